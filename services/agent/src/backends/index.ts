/**
 * Builds the agent for its configured backend: `sim` (the simulated engine in real time), `llama`
 * (llama.cpp in this process) or `http` (an OpenAI-compatible engine at a URL).
 */
import { LinkPresets } from '@adagen/engine';
import type { EngineConfigInput, Link } from '@adagen/engine';
import { Agent, SimAgent, requireProfile } from '@adagen/fleet';
import type { AgentHost } from '@adagen/fleet';
import type { AgentConfig } from '../config.js';
import { HttpBackend } from './http.js';
import { LlamaBackend } from './llama.js';

function linkOf(name: string): Link {
  const link = (LinkPresets as Readonly<Record<string, Link>>)[name];
  if (link === undefined)
    throw new RangeError(
      `kvLink: unknown preset "${name}" (known: ${Object.keys(LinkPresets).join(', ')})`,
    );
  return link;
}

/** The agent, its engine loaded. @throws naming the bad option. */
export async function buildAgent(
  config: AgentConfig,
  instanceId: string,
  host: AgentHost,
): Promise<{ agent: Agent; close: () => Promise<void> }> {
  const profile = requireProfile(config.profile);
  const coalescing = { flushWindowMs: config.flushWindowMs, maxChunkTokens: config.maxChunkTokens };
  switch (config.backend) {
    case 'sim': {
      const engineProfile =
        config.engineProfile === undefined ? profile : requireProfile(config.engineProfile);
      const engine: EngineConfigInput = {
        maxNumBatchedTokens: config.maxNumBatchedTokens,
        maxNumSeqs: config.maxNumSeqs,
      };
      if (config.numGpuBlocks !== undefined) engine.numGpuBlocks = config.numGpuBlocks;
      if (config.maxModelLen !== undefined) engine.maxModelLen = config.maxModelLen;
      if (config.enginePrefixCaching === true) engine.enablePrefixCaching = true;
      const agent = new SimAgent({
        instanceId,
        profile: engineProfile,
        announcedProfile: profile,
        calibrate:
          config.calibrate === 'on' || (config.calibrate === 'auto' && engineProfile !== profile),
        engine,
        link: linkOf(config.kvLink),
        host,
        ...coalescing,
      });
      return { agent, close: () => Promise.resolve() };
    }
    case 'llama': {
      if (config.modelFile === undefined)
        throw new RangeError(
          'modelFile: required for backend llama (a GGUF file; `adagen model gen --out m.gguf` writes a small one)',
        );
      const { LlamaEngine } = await import('@adagen/llama');
      const engine = await LlamaEngine.load(
        {
          modelPath: config.modelFile,
          maxSequences: config.llamaMaxSequences,
          contextSize: config.llamaContextSize,
          batchSize: config.llamaBatchSize,
          prefixCache: config.enginePrefixCaching ?? true,
        },
        // Iteration times in fleet ms, as every snapshot's.
        { clock: () => host.clock.nowMs() },
      );
      const agent = new Agent({
        instanceId,
        host,
        backend: (sink) =>
          new LlamaBackend(
            engine,
            { instanceId, profile, prefixBlockSize: config.prefixBlockSize },
            sink,
          ),
        ...(config.calibrate === 'off' ? {} : { calibrateFrom: profile }),
        ...coalescing,
      });
      return { agent, close: () => engine.close() };
    }
    case 'http': {
      if (config.engineUrl === undefined)
        throw new RangeError(
          'engineUrl: required for backend http (the engine’s base URL, e.g. http://127.0.0.1:8000)',
        );
      // The shadow runs the engine's knobs, as given (the sim agent's options).
      const engine: EngineConfigInput = {
        maxNumBatchedTokens: config.maxNumBatchedTokens,
        maxNumSeqs: config.maxNumSeqs,
      };
      if (config.numGpuBlocks !== undefined) engine.numGpuBlocks = config.numGpuBlocks;
      if (config.maxModelLen !== undefined) engine.maxModelLen = config.maxModelLen;
      const engineUrl = config.engineUrl;
      const agent = new Agent({
        instanceId,
        host,
        backend: (sink) =>
          new HttpBackend(
            {
              instanceId,
              engineUrl,
              ...(config.engineModel === undefined ? {} : { engineModel: config.engineModel }),
              profile,
              engine,
              kvTransfer: config.engineKvTransfer,
              bootstrapPort: config.engineBootstrapPort,
              metrics: config.engineMetrics,
              scrapeEveryMs: config.engineScrapeMs,
              prefixCaching: config.enginePrefixCaching ?? true,
            },
            sink,
          ),
        ...(config.calibrate === 'off' ? {} : { calibrateFrom: profile }),
        ...coalescing,
      });
      return { agent, close: () => Promise.resolve() };
    }
  }
}
