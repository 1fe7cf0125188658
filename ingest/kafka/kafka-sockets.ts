// The sockets of the collector's kafkajs client, so that closing it is final. kafkajs can open a connection
// after `producer.disconnect()` resolved: a request or retry of an earlier failed send is still running and
// reconnects the broker object it holds. That socket is referenced and keeps the process alive — seen in the
// leader-failover chaos drill, where `nhip serve` never exited after SIGTERM with one ESTABLISHED connection
// to the restarted broker left and every stop step done.
import net from 'node:net'
import tls from 'node:tls'
import type { ISocketFactory } from 'kafkajs'

// kafkajs's own socket factory sets the same keep-alive; it is not exported, so this is its two lines again.
const KEEP_ALIVE_DELAY_MS = 60_000

export interface KafkaSockets {
  /** Pass to `new Kafka({ socketFactory })` (via `createKafka(cfg, log, { socketFactory })`). */
  socketFactory: ISocketFactory
  /** Connections in use: opened and not yet ended by kafkajs (a disconnect ends its socket). */
  open(): number
  /**
   * Destroys every socket (ended ones too) and makes the factory fail any later connection at once (its
   * caller gets a connection error). Returns how many were still in use: after a clean disconnect, 0.
   */
  destroyAll(): number
}

/**
 * @example
 * const sockets = createKafkaSockets()
 * const kafka = createKafka(cfg, log, { socketFactory: sockets.socketFactory })
 * // …producers disconnected…
 * const leaked = sockets.destroyAll()
 */
export function createKafkaSockets(): KafkaSockets {
  const open = new Set<net.Socket>()
  const inUse = () => [...open].filter((s) => !s.writableEnded && !s.destroyed).length
  let closed = false
  const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : net.connect({ host, port }, onConnect)
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS)
    if (closed) {
      // Destroyed on the next tick, after kafkajs has attached its error listener.
      process.nextTick(() =>
        socket.destroy(new Error(`Kafka client closed: no new connection to ${host}:${port}`)),
      )
      return socket
    }
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    return socket
  }
  return {
    socketFactory,
    open: inUse,
    destroyAll() {
      closed = true
      const n = inUse()
      for (const socket of open) socket.destroy()
      open.clear()
      return n
    },
  }
}
