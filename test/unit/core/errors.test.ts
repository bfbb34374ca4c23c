import { httpStatusOf } from '../../../core/errors';

describe('reading an SDK error’s HTTP status', () => {
  it.each([
    [
      'Azure Storage RestError',
      { statusCode: 412, details: { errorCode: 'UpdateConditionNotSatisfied' } },
      412,
    ],
    ['Graph client GraphError', { statusCode: 429, code: 'TooManyRequests' }, 429],
    ['Bot Connector error', { response: { status: 502 } }, 502],
    ['a network failure', { code: 'ECONNREFUSED' }, undefined],
    ['something that is not an error', 'boom', undefined],
    ['nothing at all', null, undefined],
  ])('%s', (_what, err, status) => {
    expect(httpStatusOf(err)).toBe(status);
  });
});
