/** The agent's Prometheus metrics (docs/METRICS.md), read from the engine when scraped. */
import type { Agent } from '@adagen/fleet';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export function agentMetrics(registry: Registry, agent: Agent): void {
  const registers = [registry];
  new Gauge({
    name: 'adagen_agent_queue_depth',
    help: 'Requests waiting on the instance (not yet admitted)',
    registers,
    collect() {
      this.set(agent.snapshot().waiting.length);
    },
  });
  new Gauge({
    name: 'adagen_agent_running_requests',
    help: 'Requests admitted on the instance (prefilling, decoding or holding KV)',
    registers,
    collect() {
      this.set(agent.snapshot().running.length);
    },
  });
  new Gauge({
    name: 'adagen_agent_kv_used_ratio',
    help: 'Share of KV blocks in use',
    registers,
    collect() {
      const kv = agent.snapshot().kv;
      this.set(kv.totalBlocks === 0 ? 0 : kv.usedBlocks / kv.totalBlocks);
    },
  });
  const counter = (name: string, help: string, read: () => number) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const now = read();
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  };
  counter('adagen_agent_tokens_total', 'Tokens streamed by this agent', () => agent.counts.tokens);
  counter('adagen_agent_iterations_total', 'Engine iterations run', () => agent.counts.iterations);
  counter('adagen_agent_finished_total', 'Requests finished here', () => agent.counts.finished);
  counter('adagen_agent_failed_total', 'Requests failed here', () => agent.counts.failed);
  counter(
    'adagen_agent_cancelled_total',
    'Requests cancelled here (client gone, retried elsewhere, plan rolled back)',
    () => agent.counts.cancelled,
  );
  counter('adagen_agent_preemptions_total', 'Preemptions', () => agent.counts.preemptions);
  counter(
    'adagen_agent_kv_notices_dropped_total',
    'KV hand-off notices dropped: body and subject disagree on the sender, addressed to another agent, or from an agent outside the request’s plan',
    () => agent.counts.foreignKv,
  );
}
