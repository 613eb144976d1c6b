import type { Request, Response } from 'express';
import { baseUrl, scimTenantUrl } from './urls.js';

/**
 * GET /: where things are. JSON for clients (`curl`), a small page for browsers. Public: it names endpoints, no
 * tenant and no data.
 */
export function serviceIndex(publicUrl: string, opts: { metrics: boolean }) {
  const base = baseUrl(publicUrl);
  return {
    service: 'directory',
    endpoints: {
      graphql: `${base}/graphql`,
      playground: `${base}/graphql (open it in a browser)`,
      scim: scimTenantUrl(base, '{tenant}'),
      signIn: `${base}/auth/{tenant}/signin`,
      healthz: `${base}/healthz`,
      readyz: `${base}/readyz`,
      ...(opts.metrics ? { metrics: `${base}/metrics (Authorization: Bearer <METRICS_TOKEN>)` } : {}),
    },
    docs: {
      entra: 'docs/entra.md: connecting Microsoft Entra ID (SCIM provisioning and sign-in)',
      workspaceApp: 'docs/workspace-app.md: the GraphQL queries a workspace application makes',
      operations: 'docs/operations.md: running it in production',
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(index: ReturnType<typeof serviceIndex>): string {
  const rows = Object.entries(index.endpoints)
    .map(([name, url]) => `<li><b>${escapeHtml(name)}</b>: <code>${escapeHtml(url)}</code></li>`)
    .join('\n');
  const docs = Object.values(index.docs)
    .map((d) => `<li>${escapeHtml(d)}</li>`)
    .join('\n');
  const graphql = escapeHtml(index.endpoints.graphql);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Directory service</title></head>
<body>
<h1>Directory service</h1>
<p><a href="${graphql}">Open the GraphQL playground</a></p>
<ul>
${rows}
</ul>
<p>Documentation (in the service's repository):</p>
<ul>
${docs}
</ul>
</body>
</html>
`;
}

export function homeHandler(publicUrl: () => string, opts: { metrics: boolean }) {
  return (req: Request, res: Response) => {
    const index = serviceIndex(publicUrl(), opts);
    res.setHeader('Vary', 'Accept');
    if (req.accepts(['json', 'html']) === 'html') res.type('html').send(page(index));
    else res.json(index);
  };
}
