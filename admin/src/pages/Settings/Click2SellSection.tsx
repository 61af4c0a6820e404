import * as React from 'react';
import { Box, Button, Flex, Grid, TextInput } from '@strapi/design-system';
import { Duplicate } from '@strapi/icons';
import { useClipboard, useNotification } from '@strapi/strapi/admin';
import { click2sellNotificationUrl } from '../../links';
import { useT } from '../../utils/translate';
import { Section, type SectionProps } from './Section';
import { SettingField } from './SettingField';

interface Props extends SectionProps {
  /** The new secret key typed (null: keep the stored one; '': remove it). */
  secret: string | null;
  setSecret: (secret: string | null) => void;
}

/** Click2Sell: the write-only secret key, the notification URL to give Click2Sell, its time zone. */
export const Click2SellSection = ({ form, set, errors, canUpdate, secret, setSecret }: Props) => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const { copy } = useClipboard();
  const click2sellUrl = click2sellNotificationUrl();
  return (
    <Section title={t('settings.click2sell')}>
      <Grid.Root gap={5}>
        <SettingField
          name="click2sellSecretKey"
          label={t('settings.secret.label')}
          error={errors.click2sellSecretKey}
          hint={
            form.click2sellSecretKeySet
              ? t('settings.secret.set')
              : form.click2sellSecretKeyFromEnv
                ? t('settings.secret.fromEnv')
                : t('settings.secret.unset')
          }
          after={
            form.click2sellSecretKeySet &&
            canUpdate && (
              <Box paddingTop={2}>
                <Button variant="danger-light" size="S" onClick={() => setSecret('')}>
                  {t('settings.secret.remove')}
                </Button>
              </Box>
            )
          }
        >
          <TextInput
            type="password"
            autoComplete="new-password"
            placeholder={form.click2sellSecretKeySet ? '••••••••' : ''}
            value={secret ?? ''}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setSecret(e.target.value)}
          />
        </SettingField>
        <SettingField name="click2sellUrl" label={t('settings.url.label')} hint={t('settings.url.hint')}>
          <Flex gap={2}>
            <Box grow={1}>
              <TextInput readOnly value={click2sellUrl} />
            </Box>
            <Button
              variant="secondary"
              startIcon={<Duplicate />}
              onClick={async () => {
                if (await copy(click2sellUrl)) toggleNotification({ type: 'info', message: t('settings.url.copied') });
              }}
            >
              {t('settings.url.copy')}
            </Button>
          </Flex>
        </SettingField>
        <SettingField
          name="purchaseTimezone"
          label={t('settings.timezone.label')}
          hint={t('settings.timezone.hint')}
          error={errors.purchaseTimezone}
        >
          <TextInput
            value={form.purchaseTimezone}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => set('purchaseTimezone', e.target.value)}
          />
        </SettingField>
      </Grid.Root>
    </Section>
  );
};
