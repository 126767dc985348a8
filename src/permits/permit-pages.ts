/**
 * The pages a person sees at the end of a permit approval, in Finnish and English. They never show
 * tokens, codes, states or person keys; every text here is fixed.
 */

export type PermitPage = 'received' | 'cancelled' | 'refused' | 'state-invalid' | 'exchange-failed' | 'person-missing' | 'not-found' | 'method' | 'internal';

/** What the page means for a program following the redirects (header X-Permit-Status). */
export type PageOutcome = 'active' | 'denied' | 'failed' | 'invalid';

interface PageText {
  status: number;
  outcome?: PageOutcome;
  fi: { title: string; body: string };
  en: { title: string; body: string };
}

const PAGES: Record<PermitPage, PageText> = {
  received: {
    status: 200,
    outcome: 'active',
    fi: { title: 'Kiitos, tuontilupa vastaanotettiin', body: 'Tietosi voidaan nyt tuoda Työmarkkinatorin profiiliisi kerran. Voit sulkea tämän ikkunan.' },
    en: { title: 'Thank you, the import permit was received', body: 'Your data can now be imported into your Job Market Finland profile, once. You can close this window.' },
  },
  cancelled: {
    status: 200,
    outcome: 'denied',
    fi: { title: 'Hyväksyntä peruttiin', body: 'Työmarkkinatorin profiiliisi ei tuoda mitään. Voit sulkea tämän ikkunan.' },
    en: { title: 'Approval cancelled', body: 'Nothing will be imported into your Job Market Finland profile. You can close this window.' },
  },
  refused: {
    status: 502,
    outcome: 'denied',
    fi: { title: 'Hyväksyntä ei onnistunut', body: 'Työmarkkinatori ei antanut tuontilupaa. Mitään ei tuoda. Voit yrittää myöhemmin uudelleen.' },
    en: { title: 'The approval did not succeed', body: 'Job Market Finland did not grant the import permit. Nothing will be imported. You can try again later.' },
  },
  'state-invalid': {
    status: 400,
    outcome: 'invalid',
    fi: { title: 'Linkki on vanhentunut tai jo käytetty', body: 'Aloita hyväksyntä uudelleen palvelusta, josta tulit.' },
    en: { title: 'This link has expired or was already used', body: 'Please start the approval again from the service you came from.' },
  },
  'exchange-failed': {
    status: 502,
    outcome: 'failed',
    fi: { title: 'Tuontilupaa ei saatu', body: 'Luvan vastaanottaminen Työmarkkinatorilta epäonnistui. Mitään ei tuoda. Yritä myöhemmin uudelleen.' },
    en: { title: 'The import permit could not be obtained', body: 'Receiving the permit from Job Market Finland failed. Nothing will be imported. Please try again later.' },
  },
  'person-missing': {
    status: 400,
    outcome: 'invalid',
    fi: { title: 'Henkilö puuttuu', body: 'Pyynnöstä puuttuu parametri person.' },
    en: { title: 'No person given', body: 'The request lacks the person parameter.' },
  },
  'not-found': {
    status: 404,
    fi: { title: 'Sivua ei löydy', body: 'Osoitteessa ei ole sivua.' },
    en: { title: 'Page not found', body: 'There is no page at this address.' },
  },
  method: {
    status: 405,
    fi: { title: 'Pyyntötapa ei käy', body: 'Tähän osoitteeseen käy vain GET.' },
    en: { title: 'Method not allowed', body: 'Only GET is accepted at this address.' },
  },
  internal: {
    status: 500,
    outcome: 'failed',
    fi: { title: 'Tapahtui virhe', body: 'Lupaa ei voitu tallentaa. Yritä myöhemmin uudelleen.' },
    en: { title: 'Something went wrong', body: 'The permit could not be saved. Please try again later.' },
  },
};

export function pageStatus(page: PermitPage): number {
  return PAGES[page].status;
}

export function pageOutcome(page: PermitPage): PageOutcome | undefined {
  return PAGES[page].outcome;
}

export function renderPage(page: PermitPage): string {
  const p = PAGES[page];
  return `<!doctype html>
<html lang="fi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(p.fi.title)} / ${esc(p.en.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}h1{font-size:1.4rem}section+section{margin-top:2rem;border-top:1px solid #ddd;padding-top:1rem}</style>
</head>
<body>
<section lang="fi"><h1>${esc(p.fi.title)}</h1><p>${esc(p.fi.body)}</p></section>
<section lang="en"><h1>${esc(p.en.title)}</h1><p>${esc(p.en.body)}</p></section>
</body>
</html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
