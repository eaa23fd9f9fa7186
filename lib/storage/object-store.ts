import { Client } from 'minio';
import type { Readable } from 'node:stream';

export interface S3Settings {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
}

export interface StoredObject {
  readonly body: Buffer;
  /** x-amz-meta-* headers without the prefix, lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
}

const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/**
 * The bucket, through the `minio` client (MinIO in production, s3rver locally). Uploads always pass
 * their size: s3rver has no multipart, and it keeps objects in one piece on every S3.
 */
export class ObjectStore {
  private readonly client: Client;

  constructor(readonly settings: S3Settings) {
    const url = new URL(settings.endpoint);
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      useSSL: url.protocol === 'https:',
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      pathStyle: true,
      region: 'us-east-1',
    });
  }

  async ensureBucket(): Promise<void> {
    if (await this.client.bucketExists(this.settings.bucket)) return;
    try {
      await this.client.makeBucket(this.settings.bucket, 'us-east-1');
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    }
  }

  async put(key: string, body: Buffer, metadata: Record<string, string>): Promise<void> {
    if (body.length > MAX_OBJECT_BYTES) throw new Error(`object ${key} is larger than ${MAX_OBJECT_BYTES} bytes`);
    const meta: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    for (const [k, v] of Object.entries(metadata)) meta[`x-amz-meta-${k}`] = v;
    await this.client.putObject(this.settings.bucket, key, body, body.length, meta);
  }

  /** The object and its metadata, or undefined when it does not exist. */
  async get(key: string): Promise<StoredObject | undefined> {
    let stat;
    try {
      stat = await this.client.statObject(this.settings.bucket, key);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const stream = await this.client.getObject(this.settings.bucket, key);
    const body = await readAll(stream);
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(stat.metaData ?? {})) metadata[k.toLowerCase().replace(/^x-amz-meta-/, '')] = String(v);
    return { body, metadata };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.statObject(this.settings.bucket, key);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.removeObject(this.settings.bucket, key);
  }

  /** Keys under a prefix with their last-modified time. */
  async list(prefix: string): Promise<{ key: string; lastModified: Date }[]> {
    const out: { key: string; lastModified: Date }[] = [];
    const stream = this.client.listObjectsV2(this.settings.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; lastModified?: Date }>) {
      if (item.name) out.push({ key: item.name, lastModified: item.lastModified ?? new Date(0) });
    }
    return out;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchObject';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > MAX_OBJECT_BYTES) throw new Error('object too large to read');
    chunks.push(b);
  }
  return Buffer.concat(chunks, total);
}
