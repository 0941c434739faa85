/**
 * Spend: the FOCUS 1.0 export of AWS Data Exports in S3. Each billing period has a manifest at
 * `<prefix>/<export-name>/metadata/BILLING_PERIOD=YYYY-MM/[<execution>/]<export-name>-Manifest.json`
 * whose `dataFiles` (full s3:// URIs) are the period's current files; a restatement writes a new
 * manifest, so only the newest manifest of a period is read. The files are downloaded to a temp
 * folder per period for the store's FOCUS importer; nothing here parses a bill.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ConnectorError, MalformedResponseError, type CostsRequest, type FocusExportFiles } from '../types';
import { failureOf } from './errors';

/** The part of an AWS Data Exports manifest Fleetpane reads (the rest, e.g. columns, is ignored). */
const DataExportsManifest = z.object({
  dataFiles: z.array(z.string().regex(/^s3:\/\/[^/]+\/.+/, 'expected an s3:// URI')),
});

const MANIFEST_KEY = /(?:^|\/)metadata\/BILLING_PERIOD=(\d{4}-\d{2})\/(?:[^/]+\/)?[^/]*Manifest\.json$/;

export interface SpendLocation {
  bucket: string;
  prefix: string;
}

/** One billing period's newest manifest. */
export interface ManifestRef {
  billingPeriod: string;
  key: string;
  lastModified: number;
}

/** The newest manifest of every billing period among `keys` (several exports under one prefix are all read). */
export function newestManifests(objects: readonly { key: string; lastModified: number }[]): ManifestRef[] {
  const newest = new Map<string, ManifestRef>();
  for (const o of objects) {
    const m = MANIFEST_KEY.exec(o.key);
    if (!m?.[1]) continue;
    // One export per folder: key by the export's folder and period, so two exports under one prefix both count.
    const folder = o.key.slice(0, o.key.indexOf('metadata/BILLING_PERIOD='));
    const id = `${folder}\u0000${m[1]}`;
    const seen = newest.get(id);
    if (!seen || o.lastModified > seen.lastModified || (o.lastModified === seen.lastModified && o.key > seen.key)) {
      newest.set(id, { billingPeriod: m[1], key: o.key, lastModified: o.lastModified });
    }
  }
  return [...newest.values()].sort((a, b) => a.billingPeriod.localeCompare(b.billingPeriod) || a.key.localeCompare(b.key));
}

/** True when the billing period (YYYY-MM, UTC months) overlaps [from, to). */
export function periodOverlaps(billingPeriod: string, from: number, to: number): boolean {
  const [y, m] = billingPeriod.split('-').map(Number) as [number, number];
  const start = Date.UTC(y, m - 1, 1);
  const end = Date.UTC(y, m, 1);
  return start < to && end > from;
}

/** Bucket and key of an s3:// URI from a manifest; refuses a file outside the export's bucket. */
function dataFileKey(uri: string, bucket: string, manifestKey: string): string {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (rest.slice(0, slash) !== bucket) {
    throw new MalformedResponseError(`AWS Data Exports manifest s3://${bucket}/${manifestKey} lists a data file in another bucket; only s3://${bucket} is read`);
  }
  const key = rest.slice(slash + 1);
  // Manifests write keys as they are; a percent-encoded one is decoded, a literal '%' kept.
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

async function bodyText(body: unknown): Promise<string> {
  const b = body as { transformToString?: () => Promise<string> } | undefined;
  if (!b?.transformToString) throw new MalformedResponseError('S3 GetObject answered without a body');
  return b.transformToString();
}

/** Calls of the S3 API, each mapped to a typed connector error by the caller. */
export interface SpendCalls {
  /** Runs one S3 call with the connector's error mapping (IAM action named). */
  call<T>(action: 's3:ListBucket' | 's3:GetObject', run: () => Promise<T>): Promise<T>;
}

/**
 * Yields the current data files of every billing period of the export that overlaps the request,
 * downloaded to a temp folder per period; a period whose download fails leaves no files behind.
 */
export async function* focusExportFiles(s3: S3Client, where: SpendLocation, req: CostsRequest, calls: SpendCalls): AsyncIterable<FocusExportFiles> {
  const { bucket } = where;
  const prefix = where.prefix.replace(/^\/+/, '');
  const listed: { key: string; lastModified: number }[] = [];
  let token: string | undefined;
  do {
    const page = await calls.call('s3:ListBucket', () =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }), { abortSignal: req.signal }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key && o.Key.endsWith('Manifest.json')) listed.push({ key: o.Key, lastModified: o.LastModified?.getTime() ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  for (const ref of newestManifests(listed)) {
    if (!periodOverlaps(ref.billingPeriod, req.from, req.to)) continue;
    const got = await calls.call('s3:GetObject', () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: ref.key }), { abortSignal: req.signal }));
    let json: unknown;
    try {
      json = JSON.parse(await bodyText(got.Body));
    } catch (error) {
      throw new MalformedResponseError(`AWS Data Exports manifest s3://${bucket}/${ref.key} is not JSON`, { cause: error });
    }
    const manifest = DataExportsManifest.safeParse(json);
    if (!manifest.success) {
      throw new MalformedResponseError(`AWS Data Exports manifest s3://${bucket}/${ref.key} has no readable "dataFiles" list of s3:// URIs`);
    }
    const dir = await mkdtemp(join(tmpdir(), 'fleetpane-aws-focus-'));
    const dispose = () => rm(dir, { recursive: true, force: true });
    const files: string[] = [];
    try {
      for (const [i, uri] of manifest.data.dataFiles.entries()) {
        const key = dataFileKey(uri, bucket, ref.key);
        // The file's own name, so a refused file is named as the user sees it in S3; a folder per file keeps names apart.
        await mkdir(join(dir, String(i)));
        const local = join(dir, String(i), basename(key));
        const object = await calls.call('s3:GetObject', () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: req.signal })).catch((error: unknown) => {
          // A manifest naming a file the bucket does not hold is an incomplete delivery: refuse the period, name the key.
          const f = failureOf(error instanceof ConnectorError ? error.cause : error);
          if (f.code === 'NoSuchKey' || (f.status === 404 && f.code !== 'NoSuchBucket')) {
            throw new MalformedResponseError(`AWS Data Exports manifest s3://${bucket}/${ref.key} lists s3://${bucket}/${key}, which is not in the bucket (billing period ${ref.billingPeriod}); nothing of this sync was imported`, { cause: error });
          }
          throw error;
        });
        if (!(object.Body instanceof Readable)) throw new MalformedResponseError(`S3 GetObject of s3://${bucket}/${key} answered without a body`);
        await pipeline(object.Body, createWriteStream(local), { signal: req.signal });
        files.push(local);
      }
    } catch (error) {
      await dispose();
      throw error;
    }
    if (files.length === 0) {
      await dispose();
      continue;
    }
    yield { billingPeriod: ref.billingPeriod, files, dispose };
  }
}
