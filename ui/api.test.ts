import { describe, expect, it } from 'vitest';
import { toApiError } from './api.js';

describe('toApiError', () => {
  it('reads the error shape', () => {
    const error = toApiError(400, {
      error: {
        code: 'invalid_params',
        message: 'params.reason must have at least 10 characters',
        field: 'params.reason',
        details: [{ field: 'params.reason', message: 'must have at least 10 characters' }, { bad: true }],
      },
    });
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_params');
    expect(error.field).toBe('params.reason');
    expect(error.details).toEqual([{ field: 'params.reason', message: 'must have at least 10 characters' }]);
  });

  it('copes with a body of another shape', () => {
    const error = toApiError(502, '<html>Bad gateway</html>');
    expect(error.code).toBe('http_error');
    expect(error.message).toBe('The server responded with status 502.');
  });
});
