import { expect } from 'chai';
import { sign } from 'cookie-signature';
import { sessionIdFromCookie } from '../../src/auth/session.js';

describe('the signed session cookie (no database)', () => {
  const secret = 'a secret of the service';
  const cookie = (sid: string, key = secret) => `directory.sid=${encodeURIComponent(`s:${sign(sid, key)}`)}`;

  it('reads the session id from a cookie express-session signed', () => {
    expect(sessionIdFromCookie(`a=b; ${cookie('abc-123')}; c=d`, 'directory.sid', secret)).to.equal(
      'abc-123',
    );
  });

  it('refuses cookies signed with another secret, unsigned, forged or malformed', () => {
    expect(sessionIdFromCookie(cookie('abc', 'other'), 'directory.sid', secret)).to.equal(undefined);
    expect(sessionIdFromCookie('directory.sid=abc', 'directory.sid', secret)).to.equal(undefined);
    expect(sessionIdFromCookie('directory.sid=s%3Aabc.AAAA', 'directory.sid', secret)).to.equal(undefined);
    expect(sessionIdFromCookie('directory.sid=%E0%A4%A', 'directory.sid', secret)).to.equal(undefined);
    expect(sessionIdFromCookie(`${cookie('')}`, 'directory.sid', secret)).to.equal(undefined);
    expect(sessionIdFromCookie(undefined, 'directory.sid', secret)).to.equal(undefined);
  });

  it('reads only the cookie of its name', () => {
    expect(
      sessionIdFromCookie(cookie('abc').replace('directory.sid', 'other.sid'), 'directory.sid', secret),
    ).to.equal(undefined);
  });
});
