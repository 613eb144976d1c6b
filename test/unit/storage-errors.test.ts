import { expect } from 'chai';
import {
  ConflictError,
  InvalidInputError,
  TooExpensiveError,
  UnavailableError,
} from '../../src/domain/errors.js';
import { mapStorageError } from '../../src/db/errors.js';
import { UserModel } from '../../src/db/models/index.js';

/** The model layer's own errors (writes go through the models, so casting and validation run) become domain errors. */
describe('storage errors → domain errors (no database)', () => {
  const spec = { resource: 'user', unique: { userNameLower: 'userName' } };

  it('maps a validation error of the model layer to invalid input on its field', () => {
    const err = new UserModel({ _id: 'u1', tenantId: 't', userNameLower: 'a', active: true }).validateSync();
    const mapped = mapStorageError(err, spec);
    expect(mapped).to.be.instanceOf(InvalidInputError);
  });

  it('maps a cast error of the model layer to invalid input on its path', () => {
    const err = new UserModel({ version: 'not a number' }).validateSync()?.errors.version;
    expect(err?.name).to.equal('CastError');
    expect(mapStorageError(err, spec)).to.be.instanceOf(InvalidInputError);
  });

  it('maps duplicate keys to a conflict on the directory field, from MongoDB and FerretDB shapes', () => {
    const mongo = mapStorageError({ code: 11000, keyPattern: { tenantId: 1, userNameLower: 1 } }, spec);
    expect(mongo).to.be.instanceOf(ConflictError);
    const ferret = mapStorageError(
      { code: 11000, message: 'E11000 duplicate key error index: tenantId_1_userNameLower_1' },
      spec,
    );
    expect(ferret).to.be.instanceOf(ConflictError);
    expect((ferret as ConflictError).field).to.equal('userName');
    expect((mongo as ConflictError).field).to.equal('userName');
  });

  it('maps a query out of its time budget to "too expensive"', () => {
    expect(mapStorageError({ code: 50 }, spec)).to.be.instanceOf(TooExpensiveError);
  });

  it('maps a socket error the driver passes on unwrapped to "unavailable" (503, not 500)', () => {
    // seen in CI: the driver's connection write failed with a bare `write EPIPE` while the embedded database restarted
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
    expect(mapStorageError(epipe, spec)).to.be.instanceOf(UnavailableError);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(mapStorageError(reset, spec)).to.be.instanceOf(UnavailableError);
  });

  it('passes anything else through unchanged', () => {
    const err = new Error('boom');
    expect(mapStorageError(err, spec)).to.equal(err);
  });
});
