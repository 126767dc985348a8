import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHelperBindings } from '../../src/mapping/helpers.js';

const h = createHelperBindings() as Record<string, (...args: unknown[]) => unknown>;
const date = h['date']!;
const ongoing = h['ongoing']!;
const interval = h['interval']!;

test('$date: ISO forms, with the partial-date rule', () => {
  assert.equal(date('2020'), '2020-01-01');
  assert.equal(date('2020', 'end'), '2020-12-31');
  assert.equal(date('2020-03'), '2020-03-01');
  assert.equal(date('2020-03', 'end'), '2020-03-31');
  assert.equal(date('2020-04', 'end'), '2020-04-30');
  assert.equal(date('2020-03-15'), '2020-03-15');
  assert.equal(date('2020-03-15', 'end'), '2020-03-15');
  assert.equal(date('  2020-03-15 '), '2020-03-15');
  assert.equal(date('2020-3-5'), '2020-03-05');
});

test('$date: leap years for end dates and real calendar days', () => {
  assert.equal(date('2020-02', 'end'), '2020-02-29');
  assert.equal(date('2023-02', 'end'), '2023-02-28');
  assert.equal(date('1900-02', 'end'), '1900-02-28'); // divisible by 100, not by 400
  assert.equal(date('2000-02', 'end'), '2000-02-29'); // divisible by 400
  assert.equal(date('2024-02-29'), '2024-02-29');
  assert.equal(date('2023-02-29'), undefined);
  assert.equal(date('2023-02-30'), undefined);
  assert.equal(date('2023-04-31'), undefined);
  assert.equal(date('2023-13'), undefined);
  assert.equal(date('2023-00'), undefined);
  assert.equal(date('2023-01-00'), undefined);
  assert.equal(date('29.2.2023'), undefined);
});

test('$date: slashes, month/year and Finnish day.month.year', () => {
  assert.equal(date('2020/03'), '2020-03-01');
  assert.equal(date('2020/03', 'end'), '2020-03-31');
  assert.equal(date('2020/03/07'), '2020-03-07');
  assert.equal(date('03/2020'), '2020-03-01');
  assert.equal(date('3/2020', 'end'), '2020-03-31');
  assert.equal(date('3.2020'), '2020-03-01');
  assert.equal(date('11.2020', 'end'), '2020-11-30');
  assert.equal(date('5.3.2020'), '2020-03-05');
  assert.equal(date('05.03.2020', 'end'), '2020-03-05');
  assert.equal(date('31.12.2019'), '2019-12-31');
});

test('$date: English month names and abbreviations', () => {
  assert.equal(date('Jan 2020'), '2020-01-01');
  assert.equal(date('January 2020'), '2020-01-01');
  assert.equal(date('jan. 2020'), '2020-01-01');
  assert.equal(date('FEB 2024', 'end'), '2024-02-29');
  assert.equal(date('Sept 2021'), '2021-09-01');
  assert.equal(date('Sep 2021', 'end'), '2021-09-30');
  assert.equal(date('December  2019', 'end'), '2019-12-31');
  assert.equal(date('15 January 2020'), '2020-01-15');
  assert.equal(date('January 15, 2020'), '2020-01-15');
  assert.equal(date('Foo 2020'), undefined);
});

test('$date: Finnish and Swedish month names', () => {
  assert.equal(date('tammikuu 2020'), '2020-01-01');
  assert.equal(date('Tammikuussa 2020'), '2020-01-01');
  assert.equal(date('helmikuu 2020', 'end'), '2020-02-29');
  assert.equal(date('kesäkuussa 2019', 'end'), '2019-06-30');
  assert.equal(date('joulukuu 2018'), '2018-12-01');
  assert.equal(date('15. tammikuuta 2020'), '2020-01-15');
  assert.equal(date('maj 2020'), '2020-05-01');
  assert.equal(date('oktober 2020', 'end'), '2020-10-31');
});

test('$date: ISO timestamps keep the date part, numbers are years', () => {
  assert.equal(date('2020-01-15T10:00:00Z'), '2020-01-15');
  assert.equal(date('2020-01-15T23:59:59+02:00', 'end'), '2020-01-15');
  assert.equal(date('2020-01-15 10:00'), '2020-01-15');
  assert.equal(date(2020), '2020-01-01');
  assert.equal(date(2020, 'end'), '2020-12-31');
  assert.equal(date(2020.5), undefined);
  assert.equal(date(20), undefined);
});

test('$date: nothing for empty, "still going on", unparseable and non-text values', () => {
  for (const v of [undefined, null, '', '   ', 'present', 'Present', 'CURRENT', 'now', 'ongoing', 'today', 'nykyään', 'Nyt', 'jatkuu', 'pågående', 'nu', 'present.']) {
    assert.equal(date(v), undefined, String(v));
    assert.equal(date(v, 'end'), undefined, String(v));
  }
  for (const v of ['soon', '20200', '2020-01-01-01', '1/2/2020', {}, [], true, ['2020']]) {
    assert.equal(date(v), undefined, JSON.stringify(v));
  }
});

test('$date: a bad mode is a mapping bug', () => {
  assert.throws(() => date('2020', 'middle'), { code: 'MAPPING_RUNTIME' });
  assert.equal(date('2020', null), '2020-01-01');
});

test('$ongoing: missing, empty and "still going on" words are true; dates and other text false', () => {
  for (const v of [undefined, null, '', '  ', 'present', 'Current', 'NOW', 'ongoing', 'today', 'nykyään', 'nyt', 'jatkuu', 'pågående', 'nu', []]) {
    assert.equal(ongoing(v), true, JSON.stringify(v));
  }
  for (const v of ['2020', '2020-05', 'Jan 2020', 'garbage', 2020, {}]) {
    assert.equal(ongoing(v), false, JSON.stringify(v));
  }
});

test('$interval: start, end and ongoing', () => {
  assert.deepEqual(interval('2018-03', '2020'), { startDate: '2018-03-01', endDate: '2020-12-31', ongoing: false });
  assert.deepEqual(interval('2018', '2018-02'), { startDate: '2018-01-01', endDate: '2018-02-28', ongoing: false });
  assert.deepEqual(interval('Jan 2020', 'present'), { startDate: '2020-01-01', ongoing: true });
  assert.deepEqual(interval('2020-01-01', undefined), { startDate: '2020-01-01', ongoing: true });
  assert.deepEqual(interval('2020-01-01', ''), { startDate: '2020-01-01', ongoing: true });
  // Unparseable end: not ongoing, end left out.
  assert.deepEqual(interval('2020-01-01', 'sometime'), { startDate: '2020-01-01', ongoing: false });
  assert.deepEqual(Object.keys(interval('2018', '2019') as object), ['startDate', 'endDate', 'ongoing']);
});

test('$interval: nothing without a usable start', () => {
  assert.equal(interval(undefined, '2020'), undefined);
  assert.equal(interval('', '2020'), undefined);
  assert.equal(interval('present', undefined), undefined);
  assert.equal(interval('2023-02-30', '2024'), undefined);
});
