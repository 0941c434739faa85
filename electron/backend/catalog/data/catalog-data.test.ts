import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupInstance } from '../index';
import { CATALOG_ENTRIES, COREWEAVE_GPU_CLASSES } from './catalog-data';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** RFC 4180-ish CSV: quoted fields may hold commas; parse by header name. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const fields: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') { fields.push(cur); cur = ''; } else cur += ch;
    }
    fields.push(cur);
    rows.push(fields);
  }
  const [header = [], ...data] = rows;
  return data.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** A named column of a parsed row; a missing column fails the test loudly. */
function col(row: Record<string, string>, name: string): string {
  const v = row[name];
  if (v === undefined) throw new Error(`column ${name} missing`);
  return v;
}

interface GpuInfo { Gpus: { Name: string; Count: number; MemoryInfo: { SizeInMiB: number } }[] }

/** SkyPilot's GpuInfo is a Python literal dict; its values here hold no quotes, so swapping quotes is safe. */
function parseGpuInfo(literal: string): GpuInfo {
  return JSON.parse(literal.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null')) as GpuInfo;
}

/** Rows de-duplicated on (InstanceType, Region, AZ), preferring the row with a spot price (catalog README). */
function dedupe(rows: Record<string, string>[]): Record<string, string>[] {
  const byKey = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const k = `${col(r, 'InstanceType')}|${col(r, 'Region')}|${col(r, 'AvailabilityZone').toLowerCase()}`;
    const prev = byKey.get(k);
    if (!prev || (prev.SpotPrice === '' && r.SpotPrice !== '')) byKey.set(k, r);
  }
  return [...byKey.values()];
}

/** Decimal strings compare by value ("32" == "32.00"). */
const sameDecimal = (a: string, b: string): boolean => {
  const norm = (s: string): string => { const [i = '', f = ''] = s.split('.'); return `${BigInt(i)}.${f.replace(/0+$/, '')}`; };
  return norm(a) === norm(b);
};

function checkSkyPilot(cloud: 'oci' | 'aws', csv: string): number {
  const rows = dedupe(parseCsv(csv));
  let checked = 0;
  for (const r of rows) {
    const type = col(r, 'InstanceType');
    const region = col(r, 'Region');
    const entry = CATALOG_ENTRIES.find((e) => e.cloud === cloud && e.instanceType === type);
    expect(entry, `${cloud} ${type} is in the catalog`).toBeDefined();
    if (!entry) continue;
    const info = parseGpuInfo(col(r, 'GpuInfo'));
    const gpus = info.Gpus.reduce((n, g) => n + g.Count, 0);
    expect(entry.gpuCount).toBe(gpus);
    expect(entry.gpuCount).toBe(Number(col(r, 'AcceleratorCount')));
    expect(entry.gpuMemoryGiB * 1024).toBe(info.Gpus[0]?.MemoryInfo.SizeInMiB);
    const price = entry.hourlyPrice[region];
    if (col(r, 'Price') === '') {
      // No on-demand offer (p5e): unpriced, never $0.
      expect(price, `${type} ${region} stays unpriced`).toBeUndefined();
      checked++;
      continue;
    }
    expect(price, `${type} ${region} has a price`).toBeDefined();
    expect(sameDecimal(price ?? '', col(r, 'Price')), `${type} ${region}: ${price} vs ${col(r, 'Price')}`).toBe(true);
    checked++;
  }
  return checked;
}

describe('catalog data matches the fixture rows it was written from', () => {
  it('OCI shapes and prices match the SkyPilot v6 OCI rows', () => {
    expect(checkSkyPilot('oci', fixture('skypilot_v6_oci_vms_gpu_excerpt.csv'))).toBe(22);
  });

  it('AWS p3dn/p4d/p4de/p5 match the SkyPilot v7 AWS rows after de-duplication', () => {
    const raw = parseCsv(fixture('skypilot_v7_aws_vms_gpu_excerpt.csv'));
    expect(raw).toHaveLength(62);
    // Five AZs list p4de twice (README quirk): de-duplication drops exactly those.
    expect(checkSkyPilot('aws', fixture('skypilot_v7_aws_vms_gpu_excerpt.csv'))).toBe(57);
  });

  it('AWS g5, g6 and g6e match the SkyPilot v7 AWS rows, one per region', () => {
    expect(parseCsv(fixture('skypilot_v7_aws_vms_g5_g6_g6e_excerpt.csv'))).toHaveLength(229);
    expect(checkSkyPilot('aws', fixture('skypilot_v7_aws_vms_g5_g6_g6e_excerpt.csv'))).toBe(229);
    // A region the rows do not list stays unpriced (a coverage gap), never $0.
    expect(lookupInstance('aws', 'g5.12xlarge', 'sa-east-1')?.hourlyPrice).toBeNull();
  });

  it('AWS p5 (remaining regions), p5e (no on-demand price) and p5en match the SkyPilot v7 AWS rows', () => {
    expect(checkSkyPilot('aws', fixture('skypilot_v7_aws_vms_p5_p5e_p5en_excerpt.csv'))).toBe(16);
    expect(lookupInstance('aws', 'p5e.48xlarge', 'us-east-2')).toMatchObject({ gpuModel: 'H200 141GB', gpuCount: 8, hourlyPrice: null });
    expect(lookupInstance('aws', 'p5en.48xlarge', 'us-east-1')?.hourlyPrice).toBe('84.8');
  });

  it('CoreWeave per-GPU classes match the legacy price list', () => {
    const list = JSON.parse(fixture('coreweave_gpu_price_list_2023-07.json')) as {
      gpuComponentPricing: { gpuClassLabel: string; usdPerGpuHour: number }[];
    };
    expect(COREWEAVE_GPU_CLASSES).toHaveLength(list.gpuComponentPricing.length);
    for (const p of list.gpuComponentPricing) {
      const hit = lookupInstance('coreweave', p.gpuClassLabel, 'US-EAST-04');
      expect(hit?.gpuCount).toBe(1);
      // The JSON number is only used to compare; the catalog keeps the exact text.
      expect(Number(hit?.hourlyPrice)).toBe(p.usdPerGpuHour);
    }
    expect(lookupInstance('coreweave', 'gd-8xh100ib-i128', 'US-EAST-04')?.hourlyPrice).toBe('38.24');
  });

  it('OCI shapes agree with the documented GPU counts and memory', () => {
    const doc = JSON.parse(fixture('oci_gpu_shapes_docs_2025-02-13.json')) as {
      gpuShapes: { shape: string; gpuCount: number; gpuMemoryGBTotal: number }[];
    };
    let checked = 0;
    for (const s of doc.gpuShapes) {
      const entry = CATALOG_ENTRIES.find((e) => e.cloud === 'oci' && e.instanceType === s.shape);
      if (!entry) continue;
      expect(entry.gpuCount).toBe(s.gpuCount);
      expect(entry.gpuMemoryGiB * entry.gpuCount).toBe(s.gpuMemoryGBTotal);
      checked++;
    }
    expect(checked).toBe(doc.gpuShapes.length);
  });
});
