import * as React from 'react';
import { Button, Dialog, Typography } from '@strapi/design-system';
import { useT } from '../utils/translate';

type Variant = 'default' | 'danger' | 'danger-light';

/**
 * A confirmation before an action that changes data: title, what will happen (a sentence, or
 * anything richer as `children`), back (nothing done) and the action's button.
 */
export const ConfirmDialog = ({
  open,
  title,
  body,
  children,
  action,
  variant = 'default',
  busy = false,
  disabled = false,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  body?: string;
  children?: React.ReactNode;
  action: string;
  variant?: Variant;
  busy?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) => {
  const t = useT();
  return (
    <Dialog.Root open={open} onOpenChange={(isOpen: boolean) => !isOpen && onClose()}>
      {open && (
        <Dialog.Content>
          <Dialog.Header>{title}</Dialog.Header>
          <Dialog.Body>{children ?? <Typography>{body}</Typography>}</Dialog.Body>
          <Dialog.Footer>
            <Dialog.Cancel>
              <Button variant="tertiary">{t('action.back')}</Button>
            </Dialog.Cancel>
            <Button variant={variant} disabled={disabled} loading={busy} onClick={onConfirm}>
              {action}
            </Button>
          </Dialog.Footer>
        </Dialog.Content>
      )}
    </Dialog.Root>
  );
};
