// The console's shell: who is signed in, the header, and which page the location's hash names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onSignedOut, signOut, whoAmI } from './api.js';
import { html } from './html.js';
import { SignIn } from './views/sign-in.js';
import { Clusters } from './views/clusters.js';

/** Pages by hash route; each loads its module when first shown. */
const ROUTES = [
  { pattern: /^\/$/, page: async () => Clusters },
  { pattern: /^\/clusters\/([^/]+)$/, page: async () => (await import('./views/cluster.js')).Cluster, params: ['cluster'] },
  { pattern: /^\/clusters\/([^/]+)\/services\/([^/]+)$/, page: async () => (await import('./views/service.js')).Service, params: ['cluster', 'service'] },
  { pattern: /^\/clusters\/([^/]+)\/tasks\/([^/]+)$/, page: async () => (await import('./views/task.js')).Task, params: ['cluster', 'task'] },
  { pattern: /^\/costs$/, page: async () => (await import('./views/costs.js')).Costs },
];

const currentPath = () => decodeURI(location.hash.replace(/^#/, '')) || '/';

function useRoute() {
  const [path, setPath] = useState(currentPath());
  const [view, setView] = useState(undefined);
  useEffect(() => {
    const onHash = () => setPath(currentPath());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const route = ROUTES.find((r) => r.pattern.test(path));
    if (!route) {
      setView({ Page: NotFound, props: { path } });
      return;
    }
    const values = route.pattern.exec(path).slice(1);
    const props = Object.fromEntries((route.params ?? []).map((name, i) => [name, values[i]]));
    let live = true;
    route.page().then((Page) => live && setView({ Page, props: { ...props, key: path } }));
    return () => {
      live = false;
    };
  }, [path]);
  return { path, view };
}

function NotFound({ path }) {
  return html`<section><h1>Not found</h1><p>The console has no page at <code>${path}</code>. <a href="#/">Clusters</a></p></section>`;
}

function Shell({ me, onSignOut }) {
  const { path, view } = useRoute();
  const nav = (href, text, active) => html`<a href=${href} class=${active ? 'active' : ''}>${text}</a>`;
  return html`
    <header class="top">
      <a class="brand" href="#/">Pier</a>
      <nav>${nav('#/', 'Clusters', !path.startsWith('/costs'))}${nav('#/costs', 'Costs', path.startsWith('/costs'))}</nav>
      <span class="who" title=${me.principalArn}>${me.accountId} · ${me.accessKeyId}</span>
      <button class="secondary" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>${view ? html`<${view.Page} ...${view.props} />` : html`<p class="loading">Loading…</p>`}</main>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  useEffect(() => {
    onSignedOut(() => setMe(null));
    whoAmI().then((m) => setMe(m ?? null), () => setMe(null));
  }, []);
  if (me === undefined) return html`<p class="loading">Loading the Pier console…</p>`;
  if (me === null) return html`<${SignIn} onSignedIn=${setMe} />`;
  const out = async () => {
    await signOut().catch(() => undefined);
    setMe(null);
  };
  return html`<${Shell} me=${me} onSignOut=${out} />`;
}

render(html`<${App} />`, document.getElementById('app'));
