/**
 * The playground's browser entry (bundled by scripts/build-playground.mjs; no CDN): GraphiQL 5 with Monaco's
 * workers served from our own origin, a same-origin fetcher that sends the session cookie and whatever headers the
 * admin enters (e.g. an admin token), and an "Examples" panel with an operation per admin task.
 */
import { useGraphiQL, useGraphiQLActions, type GraphiQLPlugin } from '@graphiql/react';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { examples, welcomeQuery, type Example } from './examples.js';
import './playground.css';

const mountPoint = document.getElementById('playground')!;
const endpoint = mountPoint.dataset.endpoint ?? '/graphql';
const assets = mountPoint.dataset.assets ?? '/graphql/playground/';

// Monaco's web workers, from files built next to this bundle (same origin, so `worker-src 'self'` allows them).
(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    const file =
      label === 'json' ? 'json.worker.js' : label === 'graphql' ? 'graphql.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, new URL(assets, location.href)));
  },
};

type FetcherParams = { query: string; operationName?: string | null; variables?: unknown };

async function fetcher(params: FetcherParams, opts?: { headers?: Record<string, unknown> }) {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts?.headers ?? {})) if (typeof v === 'string') headers[k] = v;
  const res = await fetch(endpoint, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      ...headers,
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    },
    body: JSON.stringify(params),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
  }
}

function ExamplesIcon() {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none" stroke="currentColor">
      <path d="M5 4h10l4 4v12H5z M8 11h8 M8 15h8 M8 7h5" strokeWidth="1.5" />
    </svg>
  );
}

function ExamplesPanel() {
  const { addTab } = useGraphiQLActions();
  const queryEditor = useGraphiQL((s) => s.queryEditor);
  const variableEditor = useGraphiQL((s) => s.variableEditor);
  const headerEditor = useGraphiQL((s) => s.headerEditor);

  const open = (example: Example) => {
    // A new tab starts with the default headers: carry over the ones entered (e.g. the admin token).
    const headers = headerEditor?.getValue() ?? '';
    addTab();
    queryEditor?.setValue(example.query);
    variableEditor?.setValue(example.variables ? JSON.stringify(example.variables, null, 2) : '');
    if (headers.trim()) headerEditor?.setValue(headers);
  };

  return (
    <div className="examples">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p className="examples-hint">
        Each opens in a new tab. Replace the all-zero IDs with real ones (see “Find IDs”).
      </p>
      <ul>
        {examples.map((ex) => (
          <li key={ex.title}>
            <button type="button" className="examples-item" onClick={() => open(ex)} title={ex.description}>
              <span className="examples-title">{ex.title}</span>
              <span className="examples-description">{ex.description}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Reloads the schema shortly after the headers change: the first introspection runs before an admin token is
 * entered, and fails without one.
 */
function SchemaReloadOnHeaders() {
  const headerEditor = useGraphiQL((s) => s.headerEditor);
  const { introspect } = useGraphiQLActions();
  useEffect(() => {
    if (!headerEditor) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const subscription = headerEditor.onDidChangeModelContent(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void introspect(), 700);
    });
    return () => {
      clearTimeout(timer);
      subscription.dispose();
    };
  }, [headerEditor, introspect]);
  return (
    <span className="playground-hint">
      Signed in with SSO? Your session is used. Admin token: Headers →{' '}
      {'{ "Authorization": "Bearer dadm_…" }'}
    </span>
  );
}

const examplesPlugin: GraphiQLPlugin = { title: 'Examples', icon: ExamplesIcon, content: ExamplesPanel };

createRoot(mountPoint).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={[examplesPlugin]}
    visiblePlugin={examplesPlugin}
    defaultQuery={welcomeQuery}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={false}
    isHeadersEditorEnabled
  >
    <GraphiQL.Logo>Directory</GraphiQL.Logo>
    <GraphiQL.Footer>
      <SchemaReloadOnHeaders />
    </GraphiQL.Footer>
  </GraphiQL>,
);
