import express, { type Request, type Response } from 'express';
import { type ServiceContext } from '../../services/context.js';
import type { Group } from '../../domain/types.js';
import type { GroupChanges } from '../../services/groups.js';
import {
  changeGroup,
  createGroup,
  deleteGroup,
  getGroup,
  listGroupMemberUsers,
  listGroups,
} from '../../services/groups.js';
import { groupPatchStatus } from '../entra-quirks.js';
import { parseGroupFilter } from '../filter.js';
import { groupInputFromResource } from '../input.js';
import { listResponse, pageFrom } from '../list.js';
import { parsePatchRequest } from '../patch.js';
import { applyGroupPatch } from '../patch-group.js';
import { locationOf, memberView, presentGroup, type MemberView } from '../presenters.js';
import { parseProjection, project, wantsAttribute, type Projection } from '../projection.js';
import { projectionOf, queryParams, scope, send, tag } from '../request.js';
import { asFilterError, searchParams, type ListParams } from './search.js';

/**
 * At most this many members are listed in a group resource. Entra reads groups with excludedAttributes=members
 * and changes members by PATCH, so member lists are only ever shown to people; a group of any size stays cheap.
 */
export const maxMembersShown = 1000;

/** /Groups (RFC 7644 §3.3, §3.4, §3.5.1, §3.5.2, §3.6). */
export function groupsRouter(maxPageSize: number): express.Router {
  const r = express.Router();

  const list = async (res: Response, params: ListParams) => {
    const { ctx, base } = scope(res);
    tag(res, 'Query', 'Group');
    const page = pageFrom(params.startindex, params.count, maxPageSize);
    const proj = parseProjection(params.attributes, params.excludedattributes, 'Group');
    const filter = params.filter === undefined ? undefined : parseGroupFilter(params.filter);
    const found = await asFilterError(() =>
      listGroups(ctx, { filter, skip: page.startIndex - 1, limit: page.count }),
    );
    if (found.items.length === 1) tag(res, 'Query', 'Group', { groupId: found.items[0]!.id });
    const resources = await Promise.all(
      found.items.map(async (g) => project(presentGroup(g, base, await membersIfWanted(ctx, g, proj)), proj)),
    );
    send(res, 200, listResponse(resources, found.total, page));
  };

  r.get('/', (req, res) => list(res, Object.fromEntries(queryParams(req))));
  r.post('/.search', (req, res) => list(res, searchParams(req.body)));

  // Writes read everything of the request (projection, body) before their one service call: a 4xx changes nothing.
  r.post('/', async (req, res) => {
    const { ctx, base } = scope(res);
    tag(res, 'Create', 'Group');
    const proj = projectionOf(req, 'Group');
    const input = groupInputFromResource(req.body);
    const group = await createGroup(ctx, input);
    tag(res, 'Create', 'Group', ids(group, input.members));
    res.setHeader('Location', locationOf(base, 'Group', group.id));
    await respond(res, 201, group, proj, (input.members?.length ?? 0) > 0);
  });

  r.get('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Get', 'Group', ids({ id: req.params.id }));
    const proj = projectionOf(req, 'Group');
    await respond(res, 200, await getGroup(ctx, req.params.id), proj);
  });

  r.put('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Replace', 'Group', ids({ id: req.params.id }));
    const proj = projectionOf(req, 'Group');
    const input = groupInputFromResource(req.body);
    const changes: GroupChanges = {
      set: { displayName: input.displayName, externalId: input.externalId },
      replaceAttributes: true,
      // PUT replaces the resource (§3.5.1): a body without members leaves the group without members.
      ...(input.members !== undefined ? { replaceMembers: input.members } : { removeAllMembers: true }),
    };
    await respond(res, 200, await changeGroup(ctx, req.params.id, changes), proj);
  });

  r.patch('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Update', 'Group', ids({ id: req.params.id }));
    const q = queryParams(req);
    const proj = projectionOf(req, 'Group');
    const changes = applyGroupPatch(parsePatchRequest(req.body));
    const touched = [
      ...(changes.addMembers ?? []),
      ...(changes.removeMembers ?? []),
      ...(changes.replaceMembers ?? []),
    ];
    tag(res, 'Update', 'Group', ids({ id: req.params.id }, touched));
    const group = await changeGroup(ctx, req.params.id, changes);
    if (q.has('attributes') || q.has('excludedattributes')) await respond(res, 200, group, proj);
    else send(res, groupPatchStatus);
  });

  r.delete('/:id', async (req: Request<{ id: string }>, res) => {
    const { ctx } = scope(res);
    tag(res, 'Delete', 'Group', ids({ id: req.params.id }));
    await deleteGroup(ctx, req.params.id);
    send(res, 204);
  });

  return r;
}

/** Log ids: the group, and the user when exactly one member was named (so the log filters by user too). */
function ids(g: Pick<Group, 'id'>, members: readonly string[] = []) {
  return { resourceId: g.id, groupId: g.id, ...(members.length === 1 ? { userId: members[0] } : {}) };
}

async function membersIfWanted(
  ctx: ServiceContext,
  g: Group,
  proj: Projection,
): Promise<MemberView[] | undefined> {
  if (!wantsAttribute(proj, 'members')) return undefined;
  const users = await listGroupMemberUsers(ctx, g.id, maxMembersShown);
  return users.map(memberView).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function respond(
  res: Response,
  status: number,
  group: Group,
  proj: Projection,
  mayHaveMembers = true,
): Promise<void> {
  const { ctx, base } = scope(res);
  const members = mayHaveMembers ? await membersIfWanted(ctx, group, proj) : undefined;
  send(res, status, project(presentGroup(group, base, members), proj));
}
