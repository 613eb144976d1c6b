import express, { type Request, type Response } from 'express';
import type { User } from '../../domain/types.js';
import { createUser, deleteUser, getUser, listUsers, modifyUser } from '../../services/users.js';
import { parseUserFilter } from '../filter.js';
import { userInputFromResource } from '../input.js';
import { listResponse, pageFrom } from '../list.js';
import { parsePatchRequest } from '../patch.js';
import { applyUserPatch } from '../patch-user.js';
import { locationOf, presentUser } from '../presenters.js';
import { parseProjection, project, type Projection } from '../projection.js';
import { projectionOf, queryParams, scope, send, tag } from '../request.js';
import { asFilterError, searchParams, type ListParams } from './search.js';

/** /Users (RFC 7644 §3.3 create, §3.4.1 get, §3.4.2 query, §3.4.3 search, §3.5.1 replace, §3.5.2 patch, §3.6). */
export function usersRouter(maxPageSize: number): express.Router {
  const r = express.Router();

  const list = async (res: Response, params: ListParams) => {
    const { ctx, base } = scope(res);
    tag(res, 'Query', 'User');
    const page = pageFrom(params.startindex, params.count, maxPageSize);
    const proj = parseProjection(params.attributes, params.excludedattributes, 'User');
    const filter = params.filter === undefined ? undefined : parseUserFilter(params.filter);
    const found = await asFilterError(() =>
      listUsers(ctx, { filter, skip: page.startIndex - 1, limit: page.count }),
    );
    if (found.items.length === 1) tag(res, 'Query', 'User', { userId: found.items[0]!.id });
    const resources = found.items.map((u) => project(presentUser(u, base), proj));
    send(res, 200, listResponse(resources, found.total, page));
  };

  r.get('/', (req, res) => list(res, Object.fromEntries(queryParams(req))));
  r.post('/.search', (req, res) => list(res, searchParams(req.body)));

  // Writes read everything of the request (projection, body) before their one service call: a 4xx changes nothing.
  r.post('/', async (req, res) => {
    const { ctx, base } = scope(res);
    tag(res, 'Create', 'User');
    const proj = projectionOf(req, 'User');
    const user = await createUser(ctx, userInputFromResource(req.body));
    tag(res, 'Create', 'User', ids(user));
    res.setHeader('Location', locationOf(base, 'User', user.id));
    respond(res, 201, user, proj);
  });

  r.get('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Get', 'User', ids({ id: req.params.id }));
    const proj = projectionOf(req, 'User');
    respond(res, 200, await getUser(ctx, req.params.id), proj);
  });

  r.put('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Replace', 'User', ids({ id: req.params.id }));
    const proj = projectionOf(req, 'User');
    const input = userInputFromResource(req.body);
    respond(res, 200, await modifyUser(ctx, req.params.id, () => input, { replace: true }), proj);
  });

  r.patch('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Update', 'User', ids({ id: req.params.id }));
    const proj = projectionOf(req, 'User');
    const ops = parsePatchRequest(req.body);
    let wasActive = false;
    const user = await modifyUser(ctx, req.params.id, (current) => {
      wasActive = current.active;
      return applyUserPatch(current, ops);
    });
    if (wasActive && !user.active) tag(res, 'Disable', 'User', ids(user));
    respond(res, 200, user, proj);
  });

  r.delete('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Delete', 'User', ids({ id: req.params.id }));
    await deleteUser(ctx, req.params.id);
    send(res, 204);
  });

  return r;
}

function ids(u: Pick<User, 'id'>) {
  return { resourceId: u.id, userId: u.id };
}

function respond(res: Response, status: number, user: User, proj: Projection): void {
  send(res, status, project(presentUser(user, scope(res).base), proj));
}
