// The query string of an export request:
// `format=csv|jsonl`, `bom=1`, and `params`, `sort` and `filter` as JSON text,
// which are checked afterwards exactly like the body of a query request.
import { invalid, type FieldError } from '../http/errors.js';
import { EXPORT_FORMATS, type ExportFormat } from './encode.js';

const EXPORT_KEYS = ['format', 'bom', 'params', 'sort', 'filter'];

/** The export options and the still unchecked `params`, `sort` and `filter` of a request. */
export interface ExportRequest {
  format: ExportFormat;
  bom: boolean;
  body: { params?: unknown; sort?: unknown; filter?: unknown };
}

/** Reads an export request from the parsed query string; raises a 400 naming each invalid field. */
export function parseExportRequest(query: Record<string, string | string[] | undefined>): ExportRequest {
  const errors: FieldError[] = [];
  const single = (key: string): string | undefined => {
    const value = query[key];
    if (!Array.isArray(value)) return value;
    errors.push({ field: key, message: `is given ${value.length} times; give it once.` });
    return undefined;
  };
  for (const key of Object.keys(query)) {
    if (!EXPORT_KEYS.includes(key)) errors.push({ field: key, message: `is not an export option; use ${EXPORT_KEYS.join(', ')}.` });
  }

  const formatText = single('format') ?? 'csv';
  const format = Object.hasOwn(EXPORT_FORMATS, formatText) ? (formatText as ExportFormat) : undefined;
  if (format === undefined) errors.push({ field: 'format', message: `is ${JSON.stringify(formatText)}; use "csv" or "jsonl".` });

  const bomText = single('bom') ?? '0';
  if (bomText !== '0' && bomText !== '1') errors.push({ field: 'bom', message: `is ${JSON.stringify(bomText)}; use 1 to start the file with a UTF-8 byte order mark, or 0.` });
  const bom = bomText === '1';
  if (bom && format === 'jsonl') errors.push({ field: 'bom', message: 'applies to CSV only; JSON lines never start with a byte order mark.' });

  const body: ExportRequest['body'] = {};
  for (const key of ['params', 'sort', 'filter'] as const) {
    const text = single(key);
    if (text === undefined || text === '') continue;
    try {
      body[key] = JSON.parse(text);
    } catch {
      errors.push({ field: key, message: `is not valid JSON; send it URL-encoded, such as ${key}=${encodeURIComponent(EXAMPLES[key])}.` });
    }
  }
  if (errors.length > 0) throw invalid('invalid_request', errors);
  return { format: format!, bom, body };
}

const EXAMPLES = { params: '{"search":"ana"}', sort: '[{"field":"LastName","dir":"asc"}]', filter: '{"Country":"Brazil"}' };
