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

  it('maps the embedded database\'s lost PostgreSQL to "unavailable", from a command and from a bulk insert', () => {
    // seen while the embedded database restarted: FerretDB answers code 1 with the PostgreSQL driver's failure; an
    // insertMany (the log writers) reports it as a MongoBulkWriteError, which was not mapped and its batch was lost
    const message =
      '[msg_insert.go:170 handler.(*Handler).MsgInsert] [typed_collection.go:450 postgresql.writeError] failed to ' +
      'connect to `user=ferretdb database=ferretdb`: /tmp/d/run/.s.PGSQL.5432 (/tmp/d/run): dial error: dial unix ' +
      '/tmp/d/run/.s.PGSQL.5432: connect: connection refused';
    for (const name of ['MongoServerError', 'MongoBulkWriteError']) {
      const err = Object.assign(new Error(message), { name, code: 1 });
      expect(mapStorageError(err, spec), name).to.be.instanceOf(UnavailableError);
    }
    // a bulk write wraps a driver's network error too (seen: the socket gone while the database restarted)
    const socket = Object.assign(new Error('connect ENOENT /tmp/d/run/mongodb.sock'), {
      name: 'MongoBulkWriteError',
      writeErrors: [],
    });
    expect(mapStorageError(socket, spec)).to.be.instanceOf(UnavailableError);
    const other = Object.assign(new Error('invalid document'), { name: 'MongoBulkWriteError', code: 1 });
    expect(mapStorageError(other, spec)).to.equal(other);
  });

  it('passes anything else through unchanged', () => {
    const err = new Error('boom');
    expect(mapStorageError(err, spec)).to.equal(err);
  });
});
