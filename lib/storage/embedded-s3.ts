import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

export interface EmbeddedS3 {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** An S3-compatible server from npm (s3rver) for development and tests; production uses MinIO. */
export async function startEmbeddedS3(options: { directory: string; port: number; address?: string }): Promise<EmbeddedS3> {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({ address: options.address ?? '127.0.0.1', port: options.port, directory: options.directory, silent: true });
  const info = await server.run();
  return {
    endpoint: `http://${info.address}:${info.port}`,
    close: () => server.close(),
  };
}
