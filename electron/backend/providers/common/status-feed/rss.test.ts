import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MalformedResponseError } from '../../types';
import { parseRssItems } from './rss';

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

describe('RSS reader', () => {
  it('reads a Status.io feed (CoreWeave) item by item', () => {
    const items = parseRssItems(fixture('./testing/fixtures/coreweave_statusio_rss_2026-09-02_trimmed.xml'));
    expect(items).toHaveLength(6);
    for (const i of items) {
      expect(i.title).not.toBe('');
      expect(i.link).toMatch(/^https:\/\//);
      expect(i.pubDate).not.toBeNull();
    }
  });

  it('reads the public Azure status feed: escaped HTML is unescaped, an empty channel is no error', () => {
    const [item, ...rest] = parseRssItems(fixture('../../azure/testing/fixtures/azure_status_rss_westus_incident_2026-07-23T1649Z.xml'));
    expect(rest).toEqual([]);
    expect(item?.title).toBe('Issues connecting to resources in West US');
    expect(item?.description).toMatch(/^<p>Starting at 14:44 UTC on 23 July, 2026/);
    expect(parseRssItems(fixture('../../azure/testing/fixtures/azure_status_rss_allclear_empty_2026-08-01.xml'))).toEqual([]);
  });

  it('keeps CDATA as written, and refuses what is not RSS 2.0', () => {
    const xml = '<rss version="2.0"><channel><item><title>Virtual Machines - East US</title><description><![CDATA[<p>Allocation &amp; failures</p>]]></description><link>https://azure.status.microsoft/x</link><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate><guid>abc</guid></item></channel></rss>';
    expect(parseRssItems(xml)).toEqual([{ title: 'Virtual Machines - East US', description: '<p>Allocation &amp; failures</p>', link: 'https://azure.status.microsoft/x', guid: 'abc', pubDate: 'Fri, 20 Nov 2026 10:00:00 GMT' }]);
    expect(() => parseRssItems('<html></html>')).toThrow(MalformedResponseError);
    expect(() => parseRssItems('<rss version="2.0"></rss>')).toThrow(MalformedResponseError);
  });
});
