import { describe, expect, test } from 'vitest';
import { failureKindOf, graphErrorOf } from './graph-error';

describe("Meta's errors", () => {
  test('are decided on the code, not the HTTP status', () => {
    expect(failureKindOf(130429)).toBe('throughput');
    expect(failureKindOf(80007)).toBe('throughput');
    expect(failureKindOf(131056)).toBe('pair_rate');
    expect(failureKindOf(190)).toBe('token');
    expect(failureKindOf(131000)).toBe('transient');
    expect(failureKindOf(1)).toBe('transient');
    expect(failureKindOf(131057)).toBe('maintenance');
    expect(failureKindOf(368)).toBe('restricted');
    for (const code of [100, 131008, 131009, 131026, 131047, 131051, 132000, 132001]) {
      expect(failureKindOf(code)).toBe('permanent');
    }
    expect(failureKindOf('network')).toBe('transient');
    expect(failureKindOf('http_502')).toBe('transient');
    expect(failureKindOf('http_404')).toBe('permanent');
  });

  test("read Meta's error body, or name the HTTP status when the body is not Meta's", () => {
    const body =
      '{"error":{"message":"(#131009) Parameter value is not valid","type":"OAuthException","code":131009,"error_data":{"messaging_product":"whatsapp","details":"interactive[\'action\'][\'buttons\'] is too long"},"fbtrace_id":"AbC"}}';
    const error = graphErrorOf(body, 400);
    expect(error).toMatchObject({ code: 131009, details: { httpStatus: 400, fbtraceId: 'AbC' } });
    expect(error.toFailure()).toEqual({
      code: 131009,
      message: "(#131009) Parameter value is not valid: interactive['action']['buttons'] is too long",
    });
    expect(graphErrorOf('<html>Bad Gateway</html>', 502)).toMatchObject({
      code: 'http_502',
      kind: 'transient',
    });
  });
});
