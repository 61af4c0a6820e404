import * as React from 'react';
import { useParams, NavLink } from 'react-router-dom';
import {
  Box,
  Button,
  Field,
  Flex,
  IconButton,
  Modal,
  NumberInput,
  SingleSelect,
  SingleSelectOption,
  Table,
  Tbody,
  Td,
  TextInput,
  Th,
  Thead,
  Tr,
  Typography,
} from '@strapi/design-system';
import { ArrowLeft, Pencil, Plus, Trash } from '@strapi/icons';
import { Layouts, Page, useFetchClient, useNotification } from '@strapi/strapi/admin';
import { useCan } from '../utils/can';
import { PERMISSIONS } from '../permissions';
import { errorsOf, useGet, type SubscriptionItem } from '../utils/api';
import { fromLocalInput, toLocalInput, useFormatDate } from '../utils/dates';
import { PERIOD_LABELS, msg, useT } from '../utils/translate';
import { SubscriptionsTable } from '../components/SubscriptionsTable';

interface Rule {
  documentId: string;
  amount: number;
  period: 'months' | 'days' | 'hours';
  when: 'before' | 'after';
}
interface Offer {
  documentId: string;
  title: string;
  duration: number;
  period: string;
  notificationRules: Rule[];
}

const WHEN_LABELS: Record<string, string> = { before: msg('rules.before'), after: msg('rules.after') };

/** One offer: its notification rules and its subscribers, with "add a subscriber". */
export const OfferPage = () => {
  const { documentId } = useParams<{ documentId: string }>();
  const t = useT();
  const { data, reload } = useGet<{ data: Offer }>(`/subscriptions/offers/${documentId}`);
  const canEdit = useCan(PERMISSIONS.subscribers);
  const [adding, setAdding] = React.useState(false);
  const [editing, setEditing] = React.useState<SubscriptionItem | null>(null);
  const [rule, setRule] = React.useState<Partial<Rule> | null>(null);
  const [tableKey, setTableKey] = React.useState(0);
  const offer = data?.data;
  if (!offer) return <Page.Loading />;

  return (
    <Page.Main>
      <Page.Title>{offer.title}</Page.Title>
      <Layouts.Header
        title={offer.title}
        subtitle={
          offer.duration === 0 ? t('unlimited') : `${offer.duration} ${t(PERIOD_LABELS[offer.period] ?? 'period.days')}`
        }
        navigationAction={
          <NavLink to=".." relative="path" style={{ textDecoration: 'none' }}>
            <Flex gap={1}>
              <ArrowLeft />
              <Typography textColor="primary600">{t('offers.back')}</Typography>
            </Flex>
          </NavLink>
        }
        primaryAction={
          canEdit ? (
            <Button startIcon={<Plus />} onClick={() => setAdding(true)}>
              {t('subscriber.add')}
            </Button>
          ) : undefined
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <Box background="neutral0" hasRadius shadow="filterShadow" padding={6}>
            <Flex justifyContent="space-between" paddingBottom={4}>
              <Typography variant="delta" tag="h2">
                {t('rules.title')}
              </Typography>
              {canEdit && (
                <Button
                  variant="secondary"
                  startIcon={<Plus />}
                  onClick={() => setRule({ amount: 7, period: 'days', when: 'before' })}
                >
                  {t('rules.add')}
                </Button>
              )}
            </Flex>
            {offer.notificationRules.length === 0 ? (
              <Typography textColor="neutral600">{t('rules.empty')}</Typography>
            ) : (
              <Table colCount={2} rowCount={offer.notificationRules.length + 1}>
                <Thead>
                  <Tr>
                    <Th>
                      <Typography variant="sigma">{t('rules.column.when')}</Typography>
                    </Th>
                    <Th>
                      <Typography variant="sigma">{t('column.actions')}</Typography>
                    </Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {offer.notificationRules.map((r) => (
                    <Tr key={r.documentId} data-testid="rule-row">
                      <Td>
                        <Typography>
                          {t('rules.describe', {
                            amount: r.amount,
                            period: t(PERIOD_LABELS[r.period]),
                            when: t(WHEN_LABELS[r.when]),
                          })}
                        </Typography>
                      </Td>
                      <Td>
                        {canEdit && (
                          <Flex gap={1}>
                            <IconButton label={t('rules.edit')} onClick={() => setRule(r)}>
                              <Pencil />
                            </IconButton>
                            <DeleteRule offer={offer.documentId} rule={r} onDone={reload} />
                          </Flex>
                        )}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </Box>
          <Flex direction="column" alignItems="stretch" gap={2}>
            <Typography variant="delta" tag="h2">
              {t('subscriber.title')}
            </Typography>
            <SubscriptionsTable offer={offer.documentId} reloadKey={tableKey} onEditDates={setEditing} />
          </Flex>
        </Flex>
      </Layouts.Content>
      {adding && (
        <AddSubscriber
          offer={offer}
          onClose={(added) => {
            setAdding(false);
            if (added) setTableKey((k) => k + 1);
          }}
        />
      )}
      {editing && (
        <EditDates
          item={editing}
          onClose={(saved) => {
            setEditing(null);
            if (saved) setTableKey((k) => k + 1);
          }}
        />
      )}
      {rule && (
        <RuleModal
          offer={offer.documentId}
          rule={rule}
          onClose={(saved) => {
            setRule(null);
            if (saved) reload();
          }}
        />
      )}
    </Page.Main>
  );
};

const DeleteRule = ({ offer, rule, onDone }: { offer: string; rule: Rule; onDone: () => void }) => {
  const t = useT();
  const { del } = useFetchClient();
  const { toggleNotification } = useNotification();
  return (
    <IconButton
      label={t('rules.remove')}
      onClick={async () => {
        try {
          await del(`/subscriptions/offers/${offer}/rules/${rule.documentId}`);
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

const RuleModal = ({
  offer,
  rule,
  onClose,
}: {
  offer: string;
  rule: Partial<Rule>;
  onClose: (saved: boolean) => void;
}) => {
  const t = useT();
  const { post, put } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [value, setValue] = React.useState<Partial<Rule>>(rule);
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const save = async () => {
    const body = { amount: value.amount, period: value.period, when: value.when };
    try {
      if (rule.documentId) await put(`/subscriptions/offers/${offer}/rules/${rule.documentId}`, body);
      else await post(`/subscriptions/offers/${offer}/rules`, body);
      toggleNotification({ type: 'success', message: t('rules.saved') });
      onClose(true);
    } catch (error) {
      const { fields, message } = errorsOf(error);
      setErrors(fields);
      toggleNotification({ type: 'danger', message });
    }
  };
  return (
    <Modal.Root open onOpenChange={(open) => !open && onClose(false)}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{rule.documentId ? t('rules.edit') : t('rules.add')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Flex gap={4} alignItems="flex-start">
            <Field.Root name="amount" error={errors.amount} required>
              <Field.Label>{t('rules.amount')}</Field.Label>
              <NumberInput value={value.amount} onValueChange={(amount) => setValue({ ...value, amount })} />
              <Field.Error />
            </Field.Root>
            <Field.Root name="period" error={errors.period} required>
              <Field.Label>{t('rules.period')}</Field.Label>
              <SingleSelect
                value={value.period}
                onChange={(period) => setValue({ ...value, period: period as Rule['period'] })}
              >
                {Object.keys(PERIOD_LABELS).map((p) => (
                  <SingleSelectOption key={p} value={p}>
                    {t(PERIOD_LABELS[p])}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
              <Field.Error />
            </Field.Root>
            <Field.Root name="when" error={errors.when} required>
              <Field.Label>{t('rules.when')}</Field.Label>
              <SingleSelect value={value.when} onChange={(when) => setValue({ ...value, when: when as Rule['when'] })}>
                <SingleSelectOption value="before">{t('rules.before')}</SingleSelectOption>
                <SingleSelectOption value="after">{t('rules.after')}</SingleSelectOption>
              </SingleSelect>
              <Field.Error />
            </Field.Root>
          </Flex>
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">{t('action.back')}</Button>
          </Modal.Close>
          <Button onClick={save}>{t('action.save')}</Button>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
};

interface UserHit {
  id: number;
  email: string;
  username: string;
}

/** Search a user, pick one, optionally choose the start: the dates come from the offer. */
const AddSubscriber = ({ offer, onClose }: { offer: Offer; onClose: (added: boolean) => void }) => {
  const t = useT();
  const formatDate = useFormatDate();
  const { get, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [search, setSearch] = React.useState('');
  const [hits, setHits] = React.useState<UserHit[]>([]);
  const [user, setUser] = React.useState<UserHit | null>(null);
  const [startsAt, setStartsAt] = React.useState('');
  const [errors, setErrors] = React.useState<Record<string, string>>({});

  React.useEffect(() => {
    if (user) return;
    const timer = setTimeout(async () => {
      try {
        const res = await get(`/subscriptions/users?search=${encodeURIComponent(search)}`);
        setHits((res.data as { data: UserHit[] }).data);
      } catch (error) {
        toggleNotification({ type: 'danger', message: errorsOf(error).message });
      }
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, user]);

  const save = async () => {
    if (!user) {
      setErrors({ user: t('subscriber.pickUser') });
      return;
    }
    try {
      const res = await post(`/subscriptions/offers/${offer.documentId}/subscribers`, {
        user: user.id,
        ...(startsAt ? { startsAt: fromLocalInput(startsAt) } : {}),
      });
      const created = (res.data as { data: { endsAt: string | null } }).data;
      toggleNotification({
        type: 'success',
        message: t('subscriber.added', { date: created.endsAt ? formatDate(created.endsAt, true) : t('unlimited') }),
      });
      onClose(true);
    } catch (error) {
      const { fields, message } = errorsOf(error);
      setErrors(fields);
      toggleNotification({ type: 'danger', message });
    }
  };

  return (
    <Modal.Root open onOpenChange={(open) => !open && onClose(false)}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{t('subscriber.addTo', { offer: offer.title })}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Field.Root name="user" error={errors.user} required hint={t('subscriber.userHint')}>
              <Field.Label>{t('subscriber.user')}</Field.Label>
              {user ? (
                <Flex gap={2}>
                  <Typography
                    fontWeight="semiBold"
                    data-testid="picked-user"
                  >{`${user.username} <${user.email}>`}</Typography>
                  <Button variant="tertiary" size="S" onClick={() => setUser(null)}>
                    {t('subscriber.change')}
                  </Button>
                </Flex>
              ) : (
                <TextInput
                  placeholder={t('subscriber.searchUser')}
                  value={search}
                  onChange={(e: React.ChangeEvent<HTMLInputElement>) => setSearch(e.target.value)}
                />
              )}
              <Field.Hint />
              <Field.Error />
            </Field.Root>
            {!user && (
              <Flex direction="column" alignItems="stretch" gap={1}>
                {hits.map((h) => (
                  <Button key={h.id} variant="tertiary" onClick={() => setUser(h)} data-testid="user-hit">
                    {`${h.username} <${h.email}>`}
                  </Button>
                ))}
              </Flex>
            )}
            <Field.Root name="startsAt" error={errors.startsAt} hint={t('subscriber.startHint')}>
              <Field.Label>{t('subscriber.start')}</Field.Label>
              <TextInput
                type="datetime-local"
                value={startsAt}
                onChange={(e: React.ChangeEvent<HTMLInputElement>) => setStartsAt(e.target.value)}
              />
              <Field.Hint />
              <Field.Error />
            </Field.Root>
          </Flex>
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">{t('action.back')}</Button>
          </Modal.Close>
          <Button onClick={save}>{t('subscriber.save')}</Button>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
};

/** Move a subscription's dates; its user is shown, never editable. */
const EditDates = ({ item, onClose }: { item: SubscriptionItem; onClose: (saved: boolean) => void }) => {
  const t = useT();
  const { put } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [dates, setDates] = React.useState({
    startsAt: toLocalInput(item.startsAt),
    dueAt: toLocalInput(item.dueAt),
    endsAt: toLocalInput(item.endsAt),
  });
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const save = async () => {
    try {
      await put(`/subscriptions/subscriptions/${item.documentId}/dates`, {
        startsAt: fromLocalInput(dates.startsAt) ?? undefined,
        dueAt: fromLocalInput(dates.dueAt),
        endsAt: fromLocalInput(dates.endsAt),
      });
      toggleNotification({ type: 'success', message: t('subscriber.datesSaved') });
      onClose(true);
    } catch (error) {
      const { fields, message } = errorsOf(error);
      setErrors(fields);
      toggleNotification({ type: 'danger', message });
    }
  };
  const input = (key: 'startsAt' | 'dueAt' | 'endsAt', label: string) => (
    <Field.Root name={key} error={errors[key]}>
      <Field.Label>{label}</Field.Label>
      <TextInput
        type="datetime-local"
        value={dates[key]}
        onChange={(e: React.ChangeEvent<HTMLInputElement>) => setDates({ ...dates, [key]: e.target.value })}
      />
      <Field.Error />
    </Field.Root>
  );
  return (
    <Modal.Root open onOpenChange={(open) => !open && onClose(false)}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{t('subscriber.editDates')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Field.Root name="user" hint={t('subscriber.userFixed')}>
              <Field.Label>{t('subscriber.user')}</Field.Label>
              <TextInput disabled value={item.user ? `${item.user.username} <${item.user.email}>` : '—'} />
              <Field.Hint />
            </Field.Root>
            {input('startsAt', t('column.start'))}
            {input('dueAt', t('column.due'))}
            {input('endsAt', t('column.end'))}
          </Flex>
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">{t('action.back')}</Button>
          </Modal.Close>
          <Button onClick={save}>{t('action.save')}</Button>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
};
