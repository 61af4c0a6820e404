// Pricing: the available offers. A paid one links to its checkout page ("Buy"); a free one is
// taken here ("Take it", the member's JWT needed), then the member sees it in their account.
import { api, el, lang, session, show, start, t } from '/members/js/site.js';

start();

const price = (offer) => {
  if (offer.free) return t('pricing.free');
  const amount = offer.currency
    ? new Intl.NumberFormat(lang(), { style: 'currency', currency: offer.currency }).format(offer.price)
    : String(offer.price);
  return t('pricing.per', { price: amount, duration: t(`period.${offer.period}`, { n: offer.duration }) });
};

const take = async (offer) => {
  if (!session.jwt) {
    location.href = `/members/signin/?next=/members/&why=take`;
    return;
  }
  try {
    await api.subscribeFree(session.jwt, offer.documentId);
    location.href = `/members/account/?taken=${encodeURIComponent(offer.title)}`;
  } catch (error) {
    show('error', error.message);
  }
};

const action = (offer) => {
  if (offer.free) {
    const button = el('button', { type: 'button', textContent: t('pricing.take') });
    button.addEventListener('click', () => take(offer));
    return button;
  }
  if (offer.checkoutUrl) return el('a', { className: 'button', href: offer.checkoutUrl, textContent: t('pricing.buy') });
  return el('em', { textContent: t('pricing.notOnSale') });
};

try {
  const { data: offers } = await api.offers();
  const list = document.getElementById('offers');
  for (const offer of offers) {
    list.append(
      el('li', {},
        el('h2', { textContent: offer.title }),
        el('p', { textContent: offer.description ?? '' }),
        el('p', { className: 'price', textContent: offer.free ? `${t('pricing.free')} · ${t(`period.${offer.period}`, { n: offer.duration })}` : price(offer) }),
        action(offer)
      )
    );
  }
  if (offers.length === 0) show('notice', t('pricing.none'));
} catch (error) {
  show('error', error.message);
}
