import express, { type Request } from 'express';
import { NotFoundError } from '../../domain/errors.js';
import { resourceTypes, schemas, serviceProviderConfig } from '../discovery.js';
import { listResponse } from '../list.js';
import { scope, send, tag } from '../request.js';

/** /ServiceProviderConfig, /ResourceTypes[/{id}], /Schemas[/{id}] (RFC 7644 §4). */
export function discoveryRouter(maxPageSize: number): express.Router {
  const r = express.Router();

  r.get('/ServiceProviderConfig', (_req, res) => {
    tag(res, 'Discovery', 'Other');
    send(res, 200, serviceProviderConfig(scope(res).base, maxPageSize));
  });

  r.get('/ResourceTypes', (_req, res) => {
    tag(res, 'Discovery', 'Other');
    const all = resourceTypes(scope(res).base);
    send(res, 200, listResponse(all, all.length, { startIndex: 1, count: all.length }));
  });

  r.get('/ResourceTypes/:id', (req: Request<{ id: string }>, res) => {
    tag(res, 'Discovery', 'Other');
    const found = resourceTypes(scope(res).base).find((t) => t.id === req.params.id);
    if (!found) throw new NotFoundError('resource type', req.params.id);
    send(res, 200, found);
  });

  r.get('/Schemas', (_req, res) => {
    tag(res, 'Discovery', 'Other');
    const all = schemas(scope(res).base);
    send(res, 200, listResponse(all, all.length, { startIndex: 1, count: all.length }));
  });

  r.get('/Schemas/:id', (req: Request<{ id: string }>, res) => {
    tag(res, 'Discovery', 'Other');
    const found = schemas(scope(res).base).find((s) => s.id.toLowerCase() === req.params.id.toLowerCase());
    if (!found) throw new NotFoundError('schema', req.params.id);
    send(res, 200, found);
  });

  return r;
}
