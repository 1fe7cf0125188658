import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from '../../web/users.ts'

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, with a per-user salt', async () => {
    const a = await hashPassword('mật khẩu rất dài 123')
    const b = await hashPassword('mật khẩu rất dài 123')
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('mật khẩu rất dài 123', a)).toBe(true)
    expect(await verifyPassword('mật khẩu rất dài 124', a)).toBe(false)
    expect(await verifyPassword('', a)).toBe(false)
  })

  it('treats composed and decomposed Vietnamese input as the same password', async () => {
    const stored = await hashPassword('Đà Lạt mộng mơ')
    expect(await verifyPassword('Đà Lạt mộng mơ'.normalize('NFD'), stored)).toBe(true)
  })

  it('rejects malformed or weakened hashes', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false)
    expect(await verifyPassword('x', 'scrypt$1$8$1$AAAA$AAAA')).toBe(false)
    expect(await verifyPassword('x', 'md5$1$2$3$4$5')).toBe(false)
  })
})
