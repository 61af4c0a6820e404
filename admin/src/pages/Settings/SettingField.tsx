import * as React from 'react';
import { Field, Grid } from '@strapi/design-system';

interface Props {
  /** The setting's name: the form field's name, and the key of its error. */
  name: string;
  label: string;
  hint: string;
  error?: string;
  /** The input. */
  children: React.ReactNode;
  /** Below the field (a button acting on it). */
  after?: React.ReactNode;
}

/** One setting in half a row: its label, its input, its hint and its error from the server. */
export const SettingField = ({ name, label, hint, error, children, after }: Props) => (
  <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
    <Field.Root name={name} error={error} hint={hint}>
      <Field.Label>{label}</Field.Label>
      {children}
      <Field.Hint />
      <Field.Error />
    </Field.Root>
    {after}
  </Grid.Item>
);
