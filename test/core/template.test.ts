import { expect, test } from 'vitest';
import { parseTemplate } from '../../core/template.js';

test('placeholders with and without spaces', () => {
  const text = 'Hi {{row.name}} and {{   params.reason  }}!';
  expect(parseTemplate(text)).toEqual({
    placeholders: [
      { path: ['row', 'name'], offset: 3, length: 12 },
      { path: ['params', 'reason'], offset: text.indexOf('{{   '), length: '{{   params.reason  }}'.length },
    ],
    errors: [],
  });
});

test('expressions rejected', () => {
  const { placeholders, errors } = parseTemplate('{{ row.a + 1 }} {{ }} {{ row..b }} {{ 1x }}');
  expect(placeholders).toEqual([]);
  expect(errors.map((e) => e.text)).toEqual(['row.a + 1', '', 'row..b', '1x']);
});

test('unclosed placeholder reported', () => {
  const { errors } = parseTemplate('ok {{ row.a }} then {{ row.b');
  expect(errors).toMatchObject([{ offset: 20 }]);
  expect(errors[0].message).toContain('never closed');
});

test('text without placeholders', () => {
  expect(parseTemplate('Saved. { not one }')).toEqual({ placeholders: [], errors: [] });
});
