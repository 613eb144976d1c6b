import { pino, type Logger } from 'pino';

/**
 * Structured logs. Tokens, cookies and secrets are redacted wherever they appear in a logged object; code never
 * logs a credential on purpose, this is the net under that rule.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.token',
  '*.secret',
  '*.password',
  '*.clientSecret',
  '*.accessToken',
  '*.idToken',
  '*.refreshToken',
  '*.code',
  'token',
  'secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'directory' },
    },
    destination,
  );
}

export type { Logger };
