import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { WorkDir } from './workdir.js';

export interface ContainerNats {
  readonly url: string;
  readonly port: number;
  readonly monitorUrl: string;
  readonly logFile: string;
  readonly stop: () => Promise<void>;
}

export interface ContainerNatsOptions {
  readonly jetstream: boolean;
  readonly config?: string;
  readonly args?: readonly string[];
  /** @default $ADAGEN_NATS_IMAGE or 'nats:2.9' */
  readonly image?: string;
  readonly startTimeoutMs: number;
}

/** Starts nats-server in a container through testcontainers; logs are streamed to the work dir. */
export async function startContainerNats(
  dir: WorkDir,
  options: ContainerNatsOptions,
): Promise<ContainerNats> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = options.image ?? process.env.ADAGEN_NATS_IMAGE ?? 'nats:2.9';
  const command = ['-m', '8222'];
  if (options.jetstream) command.push('-js', '-sd', '/data');
  let container = new GenericContainer(image)
    .withExposedPorts(4222, 8222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .withStartupTimeout(options.startTimeoutMs);
  if (options.config !== undefined) {
    container = container.withCopyContentToContainer([
      { content: options.config, target: '/etc/adagen/extra.conf' },
    ]);
    command.push('-c', '/etc/adagen/extra.conf');
  }
  const started = await container.withCommand([...command, ...(options.args ?? [])]).start();
  const logFile = join(dir.path, 'nats-container.log');
  const logs = await started.logs();
  logs.pipe(createWriteStream(logFile));
  const host = started.getHost();
  const port = started.getMappedPort(4222);
  return {
    url: `nats://${host}:${port}`,
    port,
    monitorUrl: `http://${host}:${started.getMappedPort(8222)}`,
    logFile,
    stop: async () => {
      await started.stop();
    },
  };
}
