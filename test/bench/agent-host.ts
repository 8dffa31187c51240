/**
 * Many simulated agents in one process, for the fleet-scale benchmark: `agent-host.ts <count>
 * <prefix>`, configured by the `ADAGEN_*` environment like any agent. Prints `ready` once every
 * agent has started; stops them all when stdin closes.
 */
import { parseConfig } from '@adagen/runtime';
import { agentConfigSchema, startAgent } from '@adagen/svc-agent';
import type { AgentRuntime } from '@adagen/svc-agent';

const count = Number(process.argv[2] ?? '1');
const prefix = process.argv[3] ?? 'agent';
const env = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
);
const agents: AgentRuntime[] = [];
for (let i = 0; i < count; i++) {
  const config = parseConfig(agentConfigSchema, {
    env: { ...env, ADAGEN_INSTANCE_ID: `${prefix}-${i}`, ADAGEN_HTTP_PORT: '0' },
  });
  agents.push(await startAgent(config));
}
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all(agents.map((a) => a.stop('bench over'))).then(() => process.exit(0));
});
