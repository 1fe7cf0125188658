import { describe, expect, it } from 'vitest'
import { cronSchedule } from '../../jobs/cron-schedule.ts'
import { runDay, scheduledForDay } from '../../jobs/scheduler.ts'

const vn = (s: string) => new Date(`${s}+07:00`)

describe('cronSchedule (Vietnam time)', () => {
  it('finds the daily 06:00 fires between two instants', () => {
    const daily = cronSchedule('0 6 * * *')
    expect(
      daily.firesBetween(vn('2026-03-01T06:00:00'), vn('2026-03-04T05:59:00')).map((d) => d.toISOString()),
    ).toEqual(['2026-03-01T23:00:00.000Z', '2026-03-02T23:00:00.000Z'])
    expect(daily.firesBetween(vn('2026-03-01T00:00:00'), vn('2026-03-10T00:00:00'), 2)).toHaveLength(2)
    expect(daily.lastFireAtOrBefore(vn('2026-03-05T05:00:00'))?.toISOString()).toBe(
      '2026-03-03T23:00:00.000Z',
    )
  })

  it('handles weekdays: the weekly report is on Monday at 07:00', () => {
    const weekly = cronSchedule('0 7 * * 1')
    const fires = weekly.firesBetween(vn('2026-03-01T00:00:00'), vn('2026-03-31T00:00:00'))
    expect(fires.map((d) => d.toISOString().slice(0, 10))).toEqual([
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
      '2026-03-30',
    ])
    expect(fires.every((d) => d.getUTCHours() === 0)).toBe(true)
    expect(weekly.matches(vn('2026-03-09T07:00:30'))).toBe(true)
    expect(weekly.matches(vn('2026-03-10T07:00:00'))).toBe(false)
  })

  it('refuses bad and seconds-level expressions', () => {
    expect(() => cronSchedule('0 25 * * *')).toThrow(/invalid schedule/)
    expect(() => cronSchedule('*/5 * * * * *')).toThrow(/5 cron fields/)
  })

  it('maps a report day to the schedule instant and back', () => {
    const daily = cronSchedule('30 5 * * *')
    const at = scheduledForDay(daily, '2026-03-01')
    expect(at.toISOString()).toBe('2026-03-01T22:30:00.000Z') // 05:30 on 2 March in Vietnam
    expect(runDay(at)).toBe('2026-03-01')
    // A weekly schedule that does not fire the next day: midnight of that day.
    expect(scheduledForDay(cronSchedule('0 7 * * 1'), '2026-03-03').toISOString()).toBe(
      '2026-03-03T17:00:00.000Z',
    )
    expect(scheduledForDay(cronSchedule('0 7 * * 1'), '2026-03-08').toISOString()).toBe(
      '2026-03-09T00:00:00.000Z',
    )
  })
})
