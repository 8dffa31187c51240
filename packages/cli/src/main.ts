/**
 * The `adagen` program. `main` never throws and never exits the process: it returns the exit
 * code (0 ok, 1 failure, 2 bad usage), so it can be tested in-process.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, UsageError } from './args/usage-error.js';
import { calibrateCommand } from './commands/calibrate.js';
import { dashCommand } from './commands/dash.js';
import { planCommand } from './commands/plan.js';
import { simulateCommand } from './commands/simulate.js';
import { sweepCommand } from './commands/sweep.js';
import { reportCommand } from './commands/report.js';
import { replayCommand } from './commands/replay.js';
import { upCommand } from './commands/up.js';
import { deployCommand } from './commands/deploy.js';
import { engineCommand } from './commands/engine.js';
import { modelCommand } from './commands/model.js';
import type { CliIo } from './io.js';

export const VERSION = '0.1.0';

function buildProgram(io: CliIo): Command {
  const program = new Command('adagen')
    .description('AdaGen: layout-aware LLM cluster scheduling — offline simulation and sweeps')
    .version(VERSION)
    .showHelpAfterError(false);
  program.addCommand(simulateCommand(io));
  program.addCommand(sweepCommand(io));
  program.addCommand(reportCommand(io));
  program.addCommand(upCommand(io));
  program.addCommand(replayCommand(io));
  program.addCommand(calibrateCommand(io));
  program.addCommand(deployCommand(io));
  program.addCommand(modelCommand(io));
  program.addCommand(dashCommand(io));
  program.addCommand(planCommand(io));
  program.addCommand(engineCommand(io));
  const configure = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // Commander errors are reported once, by `main`, on one line.
      outputError: () => undefined,
    });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

function oneLine(text: string): string {
  return text
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(' ');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help, --version; and `adagen` alone, which shows the help (not an error).
      if (e.exitCode === 0 || e.code === 'commander.help') return ExitCode.ok;
      io.stderr(`adagen: ${oneLine(e.message)}\n`);
      return ExitCode.usage;
    }
    if (e instanceof UsageError) {
      io.stderr(`adagen: ${oneLine(e.message)}\n`);
      return ExitCode.usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`adagen: ${oneLine(message)}\n`);
    if (io.env.ADAGEN_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return ExitCode.failure;
  }
}
