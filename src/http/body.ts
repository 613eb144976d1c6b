import { isUtf8 } from 'node:buffer';

/**
 * body-parser's `verify` for JSON bodies: a body sent as UTF-8 (the default charset) must be valid UTF-8. Decoding
 * would otherwise turn invalid bytes (such as a UTF-8-encoded lone surrogate) into U+FFFD, storing something other
 * than what the client sent (issue 12); it is refused with 400 instead. Error type `encoding.invalid`.
 */
export function strictUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding) && !isUtf8(body)) {
    throw Object.assign(new Error('the request body is not valid UTF-8'), {
      status: 400,
      type: 'encoding.invalid',
    });
  }
}
