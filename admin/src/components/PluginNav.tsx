import { SubNav } from '@strapi/strapi/admin';
import { useCan } from '../utils/can';
import { PLUGIN_ID } from '../pluginId';
import { PERMISSIONS } from '../permissions';
import { useT } from '../utils/translate';

/** The plugin's side navigation: tracking, offers, logs (and settings for those who may). */
export const PluginNav = () => {
  const t = useT();
  const canSettings = useCan(PERMISSIONS.settingsRead);
  const canImport = useCan(PERMISSIONS.subscribers);
  const base = `/plugins/${PLUGIN_ID}`;
  return (
    <SubNav.Main aria-label={t('plugin.name')}>
      <SubNav.Header label={t('plugin.name')} />
      <SubNav.Sections>
        {[
          <SubNav.Section key="pages" label={t('nav.section')}>
            <SubNav.Link to={base} end label={t('nav.tracking')} />
            <SubNav.Link to={`${base}/offers`} label={t('nav.offers')} />
            <SubNav.Link to={`${base}/logs`} label={t('nav.logs')} />
            <SubNav.Link to={`${base}/preview`} label={t('nav.preview')} />
            {canImport ? <SubNav.Link to={`${base}/import`} label={t('nav.import')} /> : <></>}
            {canSettings ? <SubNav.Link to={`/settings/${PLUGIN_ID}`} label={t('nav.settings')} /> : <></>}
          </SubNav.Section>,
        ]}
      </SubNav.Sections>
    </SubNav.Main>
  );
};
