import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { listen } from '../../src/server.js';
import { caught } from '../helpers/factories.js';

/** Listening errors name the variable to change (the start-up test covers the same through a real process). */
describe('listen', () => {
  const logger = createLogger('silent');

  it('names HOST when it is not an address of this machine', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a machine.
    const err = await caught(listen(parseConfig({ HOST: '192.0.2.1', PORT: '0' }), logger));
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.contain('HOST: 192.0.2.1 is not an address of this machine');
  });

  it('names PORT when the port is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const err = await caught(listen(parseConfig({ PORT: String(port) }), logger));
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as Error).message).to.contain(`PORT: ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });
});
