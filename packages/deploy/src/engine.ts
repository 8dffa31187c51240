/**
 * The engine container of a GPU pool's pod (vLLM's OpenAI server as the example) and what the
 * agent beside it is told about it. The agent reaches the engine on the pod's loopback; the
 * engine listens on the pod's address too (the kubelet probes it there), and the pool's
 * NetworkPolicy lets other pods reach only the agent's port.
 *
 * The agent's `http` backend options (`ADAGEN_BACKEND=http`, `ADAGEN_ENGINE_URL`) put the agent in
 * front of the engine (services/agent/src/backends/http.ts); a `sim` pool runs the agent's
 * simulated engine.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { PoolValues, Values } from './values.js';

export const ENGINE_PORT_NAME = 'engine';

/** Variables the agent of `pool` gets for its engine. */
export function engineEnv(values: Values, pool: PoolValues): Record<string, string> {
  const engine = pool.engine;
  switch (engine.type) {
    case 'sim':
      return { ADAGEN_PROFILE: pool.profile };
    case 'vllm':
      return {
        ADAGEN_PROFILE: pool.profile,
        ADAGEN_BACKEND: 'http',
        ADAGEN_ENGINE_URL: `http://127.0.0.1:${engine.port}`,
      };
  }
}

/** The engine container, or none for a `sim` pool. */
export function engineContainer(values: Values, pool: PoolValues): IContainer | undefined {
  const engine = pool.engine;
  switch (engine.type) {
    case 'sim':
      return undefined;
    case 'vllm': {
      const model = engine.model ?? values.models[0] ?? '';
      const gpus = { [engine.gpuResource]: String(engine.gpus) };
      const health = { httpGet: { path: '/health', port: ENGINE_PORT_NAME } };
      return {
        name: 'engine',
        image: engine.image,
        args: [
          '--model',
          model,
          '--served-model-name',
          model,
          '--port',
          String(engine.port),
          '--tensor-parallel-size',
          String(engine.gpus),
          ...engine.args,
        ],
        ports: [{ name: ENGINE_PORT_NAME, containerPort: engine.port, protocol: 'TCP' }],
        // Loading weights takes minutes: up to 20 before liveness applies.
        startupProbe: { ...health, periodSeconds: 10, failureThreshold: 120 },
        livenessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
        readinessProbe: { ...health, periodSeconds: 5, failureThreshold: 2 },
        resources: {
          requests: { ...engine.resources.requests, ...gpus },
          limits: { ...engine.resources.limits, ...gpus },
        },
        volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
        // Both containers get SIGTERM together: the engine keeps serving while the agent drains.
        lifecycle: {
          preStop: { exec: { command: ['sleep', String(Math.ceil(values.drainGraceMs / 1000))] } },
        },
      };
    }
  }
}

/** Volumes the engine needs (shared memory for tensor parallelism). */
export function engineVolumes(pool: PoolValues): IVolume[] {
  return pool.engine.type === 'vllm' ? [{ name: 'dshm', emptyDir: { medium: 'Memory' } }] : [];
}
