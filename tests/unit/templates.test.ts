/** E-mail templates: variables, sections, HTML escaping, overrides and dates in the member's language. */
import fc from 'fast-check';
import {
  DEFAULT_TEMPLATES,
  TEMPLATE_KINDS,
  TEMPLATE_LOCALES,
  escapeHtml,
  formatDate,
  pickLocale,
  renderTemplate,
  resolveTemplate,
} from '../../server/src/domain/templates';
import { at } from './support';

const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('rendering', () => {
  it('inserts variables, keeps sections only when their variable is set', () => {
    const t = { subject: 'Hi {{name}}', text: '{{#url}}Go: {{url}}{{/url}}{{#missing}}never{{/missing}}!', html: '<a href="{{url}}">{{name}}</a>' };
    expect(renderTemplate(t, { name: 'Ann', url: 'https://x.test/?a=1&b=2' })).toEqual({
      subject: 'Hi Ann',
      text: 'Go: https://x.test/?a=1&b=2!',
      html: '<a href="https://x.test/?a=1&amp;b=2">Ann</a>',
    });
    expect(renderTemplate(t, { name: 'Ann' }).text).toBe('!');
  });

  it('keeps a subject on one line whatever a value holds', () => {
    expect(renderTemplate({ subject: 'About {{x}}', text: '', html: '' }, { x: 'a\r\nBcc: evil@example.com' }).subject).toBe(
      'About a Bcc: evil@example.com'
    );
  });

  it('escapes every value in HTML: no markup from a value survives, and nothing is lost', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const html = renderTemplate({ subject: '', text: '', html: '<p>{{v}}</p>' }, { v: value }).html;
        const inner = html.slice(3, -4);
        expect(inner).not.toMatch(/[<>"']/);
        expect(unescape(inner)).toBe(value);
      }),
      { numRuns: 500 }
    );
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('does not let a value inject template syntax', () => {
    const out = renderTemplate({ subject: '{{a}}', text: '{{a}} {{b}}', html: '' }, { a: '{{b}}', b: 'secret' });
    expect(out.text).toBe('{{b}} secret');
  });
});

describe('templates shipped and overridden', () => {
  it('ships every kind in English and French, each rendering without leftover tags', () => {
    for (const kind of TEMPLATE_KINDS) {
      for (const locale of TEMPLATE_LOCALES) {
        const out = renderTemplate(DEFAULT_TEMPLATES[kind][locale], {
          username: 'u',
          offerTitle: 'O',
          endsAt: 'E',
          before: true,
          renewalUrl: 'https://r.test',
          setPasswordUrl: 'https://p.test',
        });
        for (const part of [out.subject, out.text, out.html]) {
          expect(part).not.toMatch(/\{\{|\}\}/);
          expect(part.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it('greets a new member by name in the welcome e-mail, in both languages, else by username', () => {
    const en = DEFAULT_TEMPLATES.welcome.en;
    const fr = DEFAULT_TEMPLATES.welcome.fr;
    const values = { name: 'Jürgen Müller-Łukasz', username: 'jm@example.com', offerTitle: 'O' };
    expect(renderTemplate(en, values).text).toMatch(/^Hello Jürgen Müller-Łukasz,\n/);
    expect(renderTemplate(fr, values).text).toMatch(/^Bonjour Jürgen Müller-Łukasz,\n/);
    expect(renderTemplate(en, values).html).toContain('<p>Hello Jürgen Müller-Łukasz,</p>');
    expect(renderTemplate(fr, values).html).toContain('<p>Bonjour Jürgen Müller-Łukasz,</p>');
    // No name from Click2Sell (absent, null, empty or blank): the username.
    for (const name of [undefined, null, '', '   ']) {
      expect(renderTemplate(en, { name, username: 'jm@example.com' }).text).toMatch(/^Hello jm@example\.com,\n/);
      expect(renderTemplate(fr, { name, username: 'jm@example.com' }).html).toContain('<p>Bonjour jm@example.com,</p>');
    }
    // A name is a value like any other: escaped in HTML, kept as it is in the text.
    const odd = { name: '<b>Ann</b> & "Bo"', username: 'u' };
    expect(renderTemplate(en, odd).html).toContain('<p>Hello &lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Bo&quot;,</p>');
    expect(renderTemplate(en, odd).text).toMatch(/^Hello <b>Ann<\/b> & "Bo",/);
    // {{name}} works in any template an admin writes, with the same fallback.
    expect(renderTemplate({ subject: 'For {{name}}', text: '', html: '' }, { username: 'u' }).subject).toBe('For u');
  });

  it('takes each part from the rule, then the admin override, then the shipped default', () => {
    const t = resolveTemplate('reminder', 'fr', {
      settings: { subject: 'S-admin', text: 'T-admin', html: '' },
      rule: { subject: 'S-rule', text: '  ', html: null },
    });
    expect(t).toEqual({ subject: 'S-rule', text: 'T-admin', html: DEFAULT_TEMPLATES.reminder.fr.html });
  });

  it('picks a supported language, else the default one', () => {
    expect(pickLocale('fr-FR', 'en')).toBe('fr');
    expect(pickLocale('de', 'fr')).toBe('fr');
    expect(pickLocale(null, 'en')).toBe('en');
  });
});

describe('dates in e-mails', () => {
  it('writes dates in the language and time zone asked for', () => {
    const d = at('2024-02-29T23:30:00Z');
    expect(formatDate(d, 'en')).toBe('February 29, 2024 at 11:30 PM UTC');
    expect(formatDate(d, 'fr')).toBe('29 février 2024 à 23:30 UTC');
    expect(formatDate(d, 'fr', 'Europe/Paris')).toMatch(/^1 mars 2024 à 00:30 (UTC\+1|CET|UTC\+01:00)$/);
    expect(formatDate(null, 'en')).toBe('');
  });
});
