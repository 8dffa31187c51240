/**
 * `adagen deploy render --values <file>`: the fleet's Kubernetes objects (docs/DEPLOY.md) as one
 * YAML stream on stdout, or with `--out <dir>` as a kustomize base (one file per object and a
 * kustomization.yaml: `kubectl apply -k <dir>`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { natsUsersOf, parseValues, renderFleet, toKustomize, toYaml } from '@adagen/deploy';
import { Command } from 'commander';
import { parse } from 'yaml';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';
import { seedsFor } from './deploy/keys.js';

interface RenderRaw {
  values: string;
  keys?: string;
  out?: string;
}

async function readValues(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--values`, `${file}: ${(error as Error).message}`);
  }
  try {
    return parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--values`, `${file} is not YAML or JSON: ${(error as Error).message}`);
  }
}

function renderCommand(io: CliIo): Command {
  return new Command('render')
    .description('print the fleet’s Kubernetes objects (or write a kustomize base with --out)')
    .requiredOption('--values <file>', 'values file, YAML or JSON (infra/k8s/values.example.yaml)')
    .option('--keys <dir>', 'keep the NATS users’ nkey seeds here (created when missing)')
    .option('--out <dir>', 'write a kustomize base here instead of printing')
    .action(async (raw: RenderRaw) => {
      const values = parseValues(await readValues(resolve(io.cwd, raw.values)));
      const keysDir = raw.keys === undefined ? undefined : resolve(io.cwd, raw.keys);
      const { seeds, created } = await seedsFor(natsUsersOf(values), keysDir);
      if (keysDir === undefined)
        io.stderr(
          `adagen deploy: ${created} nkey seeds made for this render only; pass --keys <dir> to keep them across renders\n`,
        );
      else if (created > 0) io.stderr(`adagen deploy: ${created} new nkey seeds in ${keysDir}\n`);
      const objects = renderFleet(values, seeds);
      if (raw.out === undefined) {
        io.stdout(toYaml(objects));
        return;
      }
      const out = resolve(io.cwd, raw.out);
      await mkdir(out, { recursive: true });
      const files = toKustomize(objects);
      for (const [name, text] of Object.entries(files)) await writeFile(join(out, name), text);
      io.stderr(
        `adagen deploy: ${objects.length} objects in ${out} (kubectl apply -k ${raw.out})\n`,
      );
    });
}

export function deployCommand(io: CliIo): Command {
  return new Command('deploy')
    .description('Kubernetes objects for a fleet (docs/DEPLOY.md)')
    .addCommand(renderCommand(io));
}
