import hasActiveSubscription from './has-active-subscription';

export default { 'has-active-subscription': hasActiveSubscription };
