/**
 * The sandbox's pages: the permit page a person sees (in Finnish and English), the error page for
 * a request that cannot be sent back to the client, and the index that explains the sandbox.
 * No scripts; plain CSS; every value is escaped.
 */
import type { Scope } from './sandbox-state.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f3f5f7}
.banner{background:#7a3e00;color:#fff;padding:.5rem 1rem;text-align:center;font-weight:600}
main{max-width:44rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #d5dae0;border-radius:.5rem;padding:1.5rem 1.75rem;box-shadow:0 1px 2px rgba(0,0,0,.05)}
h1{font-size:1.5rem;margin:0 0 1rem;line-height:1.25}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
.lang{border-top:1px solid #e4e7eb;padding-top:1rem;margin-top:1rem}
.lang:first-of-type{border-top:0;padding-top:0;margin-top:0}
.org{font-weight:700}
.muted{color:#5b636d;font-size:.9rem}
label{display:block;font-weight:600;margin:1.25rem 0 .25rem}
input[type=text]{width:100%;padding:.6rem .7rem;font:inherit;border:1px solid #8c959f;border-radius:.35rem}
input[type=text]:focus,button:focus{outline:3px solid #2f6fdf;outline-offset:2px}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.5rem}
button{font:inherit;font-weight:600;padding:.65rem 1.4rem;border-radius:.35rem;cursor:pointer;border:2px solid #0b4fb3}
#approve{background:#0b4fb3;color:#fff}
#cancel{background:#fff;color:#0b4fb3}
.error{background:#fdecea;border:1px solid #e0a39d;color:#7d1a12;padding:.75rem 1rem;border-radius:.35rem;margin-bottom:1rem}
code{background:#eef1f4;padding:.1rem .3rem;border-radius:.25rem;font-size:.9em}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
`;

function layout(titleText: string, body: string): string {
  return `<!doctype html>
<html lang="fi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(titleText)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="note"><span lang="fi">HIEKKALAATIKKO – ei oikea Työmarkkinatori</span> · <span lang="en">SANDBOX – not the real Job Market Finland</span></div>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface AuthorizePageInput {
  organisation: string;
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  scope: Scope;
  identity: string;
  /** A problem with the last submission, shown above the form. */
  error?: { fi: string; en: string };
}

export function renderAuthorizePage(p: AuthorizePageInput): string {
  const org = `<span class="org">${escapeHtml(p.organisation)}</span>`;
  let returnHost = p.redirectUri;
  try {
    returnHost = new URL(p.redirectUri).host;
  } catch {
    // shown as given
  }
  const ask =
    p.scope === 'read'
      ? {
          fi: `${org} pyytää lupaa lukea Työmarkkinatorin työnhakijaprofiilisi tiedot.`,
          en: `${org} asks for permission to read the data in your Job Market Finland jobseeker profile.`,
        }
      : {
          fi: `${org} pyytää lupaa tuoda profiilitietoja (esimerkiksi työkokemus, koulutus, osaaminen ja kielitaito) Työmarkkinatorin työnhakijaprofiiliisi. Lupa koskee <strong>yhtä tuontikertaa</strong>.`,
          en: `${org} asks for permission to import profile data (such as work experience, education, skills and languages) into your Job Market Finland jobseeker profile. The permission covers <strong>one import</strong>.`,
        };
  const hidden = [
    ['client_id', p.clientId],
    ['redirect_uri', p.redirectUri],
    ['scope', p.scope],
    ...(p.state !== undefined ? [['state', p.state]] : []),
  ]
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v ?? '')}">`)
    .join('\n');
  const error = p.error
    ? `<div class="error" role="alert" id="form-error"><span lang="fi">${escapeHtml(p.error.fi)}</span><br><span lang="en">${escapeHtml(p.error.en)}</span></div>`
    : '';
  const title = p.scope === 'read' ? 'Lupa profiilitietojen lukemiseen · Permission to read profile data' : 'Lupa profiilitietojen tuontiin · Permission to import profile data';
  return layout(
    title,
    `<div class="card">
<h1><span lang="fi">${p.scope === 'read' ? 'Lupa profiilitietojen lukemiseen' : 'Lupa profiilitietojen tuontiin'}</span><br><span lang="en" class="muted">${p.scope === 'read' ? 'Permission to read profile data' : 'Permission to import profile data'}</span></h1>
${error}
<section class="lang" lang="fi" aria-label="Suomeksi">
<p>${ask.fi}</p>
<p class="muted">Hyväksymisen jälkeen sinut ohjataan takaisin palveluun <code>${escapeHtml(returnHost)}</code>. Jos peruutat, tietoja ei tuoda.</p>
</section>
<section class="lang" lang="en" aria-label="In English">
<p>${ask.en}</p>
<p class="muted">After you approve, you are sent back to <code>${escapeHtml(returnHost)}</code>. If you cancel, nothing is imported.</p>
</section>
<form method="post" action="/authorize">
${hidden}
<label for="identity"><span lang="fi">Hiekkalaatikon tunniste</span> / <span lang="en">Sandbox identity</span></label>
<input type="text" id="identity" name="identity" value="${escapeHtml(p.identity)}" maxlength="100" autocomplete="off" spellcheck="false" aria-describedby="identity-help">
<p class="muted" id="identity-help"><span lang="fi">Oikea Työmarkkinatori käyttää vahvaa tunnistautumista. Tässä tunniste nimeää henkilön, jonka profiiliin tiedot tallennetaan.</span><br><span lang="en">Real Job Market Finland uses strong identification. Here the identity names the person whose profile receives the data.</span></p>
<div class="actions">
<button type="submit" id="approve" name="action" value="approve"><span lang="fi">Hyväksy</span> / <span lang="en">Approve</span></button>
<button type="submit" id="cancel" name="action" value="cancel"><span lang="fi">Peruuta</span> / <span lang="en">Cancel</span></button>
</div>
</form>
</div>`,
  );
}

export interface ErrorPageInput {
  fi: string;
  en: string;
}

/** The request cannot be answered to the client (unknown client, unregistered redirect URI, ...). */
export function renderErrorPage(e: ErrorPageInput): string {
  return layout(
    'Virheellinen pyyntö · Invalid request',
    `<div class="card">
<h1><span lang="fi">Virheellinen lupapyyntö</span><br><span lang="en" class="muted">Invalid permission request</span></h1>
<div class="error" role="alert" id="error"><span lang="fi">${escapeHtml(e.fi)}</span><br><span lang="en">${escapeHtml(e.en)}</span></div>
<p lang="fi">Palvelu, josta tulit, lähetti pyynnön, jota ei voi käsitellä. Sinua ei ohjata takaisin. Ota yhteyttä palvelun ylläpitäjään.</p>
<p lang="en">The service you came from sent a request that cannot be handled. You are not sent back. Contact the service's administrator.</p>
</div>`,
  );
}

export interface IndexPageInput {
  url: string;
  clients: Array<{ clientId: string; name: string; redirectUris: string[] }>;
  autoApprove: boolean;
  imports: number;
  persons: number;
}

export function renderIndexPage(p: IndexPageInput): string {
  const routes: Array<[string, string]> = [
    ['GET /authorize?response_type=code&amp;client_id=…&amp;redirect_uri=…&amp;state=…[&amp;scope=import|read][&amp;login_hint=…]', 'The permit page a person approves or cancels.'],
    ['POST /v1/request-token', 'Exchanges a code for a one-import access token (HTTP Basic client auth, <code>KIPA-Subscription-Key</code>).'],
    ['PUT /v1/profile', 'Imports a profile with a token of scope <code>import</code>; the token is spent by its first PUT.'],
    ['GET /v1/profile', 'Reads what the sandbox holds for the person, with a token of scope <code>read</code>.'],
    ['<a href="/_sandbox/imports">GET /_sandbox/imports</a>', 'The import log (never tokens or profile content).'],
    ['<a href="/_sandbox/profiles">GET /_sandbox/profiles</a>', 'Person ids that have a profile; <code>/_sandbox/profiles/{personId}</code> shows one.'],
    ['<a href="/_sandbox/faults">GET /_sandbox/faults</a>, POST /_sandbox/faults', 'Fault injection for PUT: <code>{"latencyMs":200,"errorRate":0.1,"dropRate":0.05}</code>; <code>{}</code> clears.'],
    ['POST /_sandbox/auto-approve', '<code>{"enabled":true}</code> approves permit requests without showing the page.'],
    ['POST /_sandbox/reset', 'Forgets imports, profiles, codes and spent tokens.'],
    ['<a href="/_sandbox/health">GET /_sandbox/health</a>', 'Liveness.'],
  ];
  const clients = p.clients
    .map((c) => `<tr><td><code>${escapeHtml(c.clientId)}</code></td><td>${escapeHtml(c.name)}</td><td>${c.redirectUris.map((u) => `<code>${escapeHtml(u)}</code>`).join('<br>')}</td></tr>`)
    .join('\n');
  return layout(
    'tmt-import sandbox',
    `<div class="card">
<h1>tmt-import sandbox</h1>
<p lang="en">A local stand-in for Job Market Finland's profile import interface: the permit page, the token endpoint and
<code>PUT /v1/profile</code>, behaving as the interface is described. Data lives in memory and is lost when the sandbox stops.
Real TMT identifies persons strongly; here a person is whatever sandbox identity is typed on the permit page.</p>
<p class="muted">${escapeHtml(p.url)} · auto-approve ${p.autoApprove ? 'on' : 'off'} · ${p.imports} import record(s) · ${p.persons} person(s) with a profile</p>
<h2>Routes</h2>
<table>${routes.map(([r, d]) => `<tr><td><code>${r}</code></td><td>${d}</td></tr>`).join('\n')}</table>
<h2>Registered clients</h2>
<table><tr><th>client_id</th><th>organisation</th><th>redirect URIs (loopback: any port)</th></tr>
${clients}</table>
</div>`,
  );
}
