/**
 * The one RSS 2.0 reader of the status feeds (Status.io's incident history, the public Azure status
 * feed). Items only: what an item means is each feed's own mapping.
 */
import { MalformedResponseError } from '../../types';
import { plainText } from './types';

export interface RssItem {
  title: string;
  /** The item's HTML as text: CDATA as written, escaped markup unescaped (`&lt;p&gt;` -> `<p>`). */
  description: string;
  link: string | null;
  guid: string | null;
  pubDate: string | null;
}

function tagText(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'i').exec(xml);
  if (!m || m[1] === undefined) return null;
  const inner = m[1].trim();
  const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(inner);
  if (cdata && cdata[1] !== undefined) return cdata[1];
  return plainText(inner);
}

/** Reads the items of an RSS 2.0 document; an empty channel is healthy, not an error. */
export function parseRssItems(xml: string): RssItem[] {
  if (!/<rss[\s>]/i.test(xml) || !/<channel[\s>]/i.test(xml)) throw new MalformedResponseError('not an RSS 2.0 document');
  const items: RssItem[] = [];
  for (const m of xml.matchAll(/<item(?:\s[^>]*)?>([\s\S]*?)<\/item>/gi)) {
    const body = m[1] ?? '';
    items.push({
      title: (tagText(body, 'title') ?? '').trim(),
      description: tagText(body, 'description') ?? '',
      link: tagText(body, 'link'),
      guid: tagText(body, 'guid'),
      pubDate: tagText(body, 'pubDate'),
    });
  }
  return items;
}
