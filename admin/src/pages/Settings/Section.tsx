import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';
import type { SettingsView } from '../../api/contract';

/** What each section of the settings form is given. */
export interface SectionProps {
  form: SettingsView;
  set: <K extends keyof SettingsView>(key: K, value: SettingsView[K]) => void;
  /** Field errors from the last save, by field name. */
  errors: Record<string, string>;
  canUpdate: boolean;
}

/** A titled card of the settings page. */
export const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Box
    background="neutral0"
    hasRadius
    shadow="filterShadow"
    paddingTop={6}
    paddingBottom={6}
    paddingLeft={7}
    paddingRight={7}
  >
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Typography variant="delta" tag="h2">
        {title}
      </Typography>
      {children}
    </Flex>
  </Box>
);
