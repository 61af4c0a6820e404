import * as React from 'react';
import { Box, Button, Flex, IconButton, Typography } from '@strapi/design-system';
import { Pencil, Plus, Trash } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { errorsOf } from '../../api/client';
import { useOfferActions } from '../../api/offers';
import type { NotificationRule, NotificationRuleInput, OfferDetail } from '../../api/contract';
import { PERIOD_LABELS, msg, useT } from '../../utils/translate';
import { PagedTable } from '../../components/PagedTable';
import { RuleModal } from './RuleModal';

const WHEN_LABELS: Record<string, string> = { before: msg('rules.before'), after: msg('rules.after') };

/** A new rule starts as "7 days before the end". */
const NEW_RULE: NotificationRuleInput = { amount: 7, period: 'days', when: 'before' };

/** An offer's notification rules: each described in words, added, edited and removed here. */
export const RulesCard = ({
  offer,
  canEdit,
  onChange,
}: {
  offer: OfferDetail;
  canEdit: boolean;
  /** A rule was saved or removed: read the offer again. */
  onChange: () => void;
}) => {
  const t = useT();
  const [rule, setRule] = React.useState<NotificationRuleInput | NotificationRule | null>(null);
  const rules = offer.notificationRules;
  return (
    <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
      <Flex justifyContent="space-between" paddingBottom={4}>
        <Typography variant="delta" tag="h2">
          {t('rules.title')}
        </Typography>
        {canEdit && (
          <Button variant="secondary" startIcon={<Plus />} onClick={() => setRule(NEW_RULE)}>
            {t('rules.add')}
          </Button>
        )}
      </Flex>
      {rules.length === 0 ? (
        <Typography textColor="neutral600">{t('rules.empty')}</Typography>
      ) : (
        <PagedTable
          columns={[
            {
              label: t('rules.column.when'),
              cell: (r) => (
                <Typography>
                  {t('rules.describe', {
                    amount: r.amount,
                    period: t(PERIOD_LABELS[r.period]),
                    when: t(WHEN_LABELS[r.when]),
                  })}
                </Typography>
              ),
            },
            {
              label: t('column.actions'),
              cell: (r) =>
                canEdit && (
                  <Flex gap={1}>
                    <IconButton label={t('rules.edit')} onClick={() => setRule(r)}>
                      <Pencil />
                    </IconButton>
                    <DeleteRule offer={offer.documentId} rule={r} onDone={onChange} />
                  </Flex>
                ),
            },
          ]}
          rows={rules}
          rowKey={(r) => r.documentId}
          rowTestId="rule-row"
        />
      )}
      {rule && (
        <RuleModal
          offer={offer.documentId}
          rule={rule}
          onClose={(saved) => {
            setRule(null);
            if (saved) onChange();
          }}
        />
      )}
    </Box>
  );
};

const DeleteRule = ({ offer, rule, onDone }: { offer: string; rule: NotificationRule; onDone: () => void }) => {
  const t = useT();
  const { deleteRule } = useOfferActions();
  const { toggleNotification } = useNotification();
  return (
    <IconButton
      label={t('rules.remove')}
      onClick={async () => {
        try {
          await deleteRule(offer, rule.documentId);
          toggleNotification({ type: 'success', message: t('rules.removed') });
        } catch (error) {
          toggleNotification({ type: 'danger', message: errorsOf(error).message });
        }
        onDone();
      }}
    >
      <Trash />
    </IconButton>
  );
};
