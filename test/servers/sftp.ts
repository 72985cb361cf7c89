import { fingerprintOf } from "@caisse/transports";
import { close, fstat, mkdir, open, read, rename, stat, unlink, write } from "node:fs";
import { opendir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join, posix } from "node:path";
import ssh2 from "ssh2";
import type { Connection, SFTPWrapper } from "ssh2";

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;

export interface SftpTestServer {
  port: number;
  /** The host key's fingerprint, to pin. */
  hostKey: string;
  close(): Promise<void>;
}

/** A fresh host key, as the server holds it (OpenSSH private key format). */
export function makeHostKey(): string {
  // ssh2's key generator now and then writes an ed25519 key that its own parser refuses
  // ("Malformed OpenSSH private key", seen once in a CI run on Node 26): draw another one.
  for (let attempt = 1; ; attempt++) {
    const key = utils.generateKeyPairSync("ed25519").private;
    if (!(utils.parseKey(key) instanceof Error) || attempt === 5) return key;
  }
}

export function hostKeyFingerprint(privateKey: string): string {
  const parsed: unknown = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw parsed;
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as { getPublicSSH(): Buffer };
  return fingerprintOf(key.getPublicSSH());
}

type Attrs = { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number };

function attrsOf(info: {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
}): Attrs {
  return {
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
    size: info.size,
    atime: Math.floor(info.atimeMs / 1000),
    mtime: Math.floor(info.mtimeMs / 1000),
  };
}

function statusOf(error: NodeJS.ErrnoException | null): number {
  if (error === null) return STATUS.OK;
  if (error.code === "ENOENT") return STATUS.NO_SUCH_FILE;
  if (error.code === "EACCES" || error.code === "EPERM") return STATUS.PERMISSION_DENIED;
  return STATUS.FAILURE;
}

/**
 * An SFTP server made with ssh2's Server on 127.0.0.1 at a random port: one user with a password,
 * `root` as its whole file system (paths cannot leave it). `cutUploadsAfterBytes` and
 * `cutDownloadsAfterBytes` end the connection in the middle of a transfer.
 */
export async function startSftpServer(options: {
  root: string;
  user: string;
  password: string;
  hostKey: string;
  /** A client's key (OpenSSH public or private form) allowed to log in. */
  authorizedKey?: string;
  cutUploadsAfterBytes?: number;
  cutDownloadsAfterBytes?: number;
}): Promise<SftpTestServer> {
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.on("error", () => undefined);
    client.on("authentication", (context) => {
      if (context.username !== options.user) {
        context.reject(["password", "publickey"]);
        return;
      }
      if (context.method === "password" && context.password === options.password) {
        context.accept();
        return;
      }
      if (context.method === "publickey" && options.authorizedKey !== undefined) {
        const allowed = utils.parseKey(options.authorizedKey);
        const key = (Array.isArray(allowed) ? allowed[0] : allowed) as {
          getPublicSSH(): Buffer;
          verify(data: Buffer, signature: Buffer, algorithm?: string): boolean;
        };
        if (context.key.data.equals(key.getPublicSSH())) {
          // Without a signature the client only asks whether the key would do.
          if (context.signature === undefined || context.blob === undefined) context.accept();
          else if (key.verify(context.blob, context.signature, context.hashAlgo)) context.accept();
          else context.reject(["password", "publickey"]);
          return;
        }
      }
      context.reject(["password", "publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => {
        const session = accept();
        session.on("sftp", (acceptSftp) => {
          serve(acceptSftp(), client);
        });
      });
    });
  });
  /** Ends the TCP connection at once, as a network failure would. */
  const cut = (client: Connection) => {
    (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
  };
  const real = (path: string) => join(options.root, posix.normalize(`/${path}`));
  let uploaded = 0;
  let downloaded = 0;

  function serve(sftp: SFTPWrapper, client: Connection): void {
    const handles = new Map<number, { fd?: number; dir?: string; listed?: boolean }>();
    let next = 0;
    const handleOf = (buffer: Buffer) => handles.get(buffer.readUInt32BE(0));
    const newHandle = (value: { fd?: number; dir?: string }) => {
      const id = next++;
      handles.set(id, value);
      const buffer = Buffer.alloc(4);
      buffer.writeUInt32BE(id, 0);
      return buffer;
    };
    sftp.on("REALPATH", (id, path) => {
      const absolute = posix.normalize(`/${path}`);
      sftp.name(id, [{ filename: absolute, longname: absolute, attrs: {} as Attrs }]);
    });
    const onStat = (id: number, path: string) => {
      stat(real(path), (error, info) => {
        if (error) sftp.status(id, statusOf(error));
        else sftp.attrs(id, attrsOf(info));
      });
    };
    sftp.on("STAT", onStat);
    sftp.on("LSTAT", onStat);
    sftp.on("OPENDIR", (id, path) => {
      stat(real(path), (error, info) => {
        if (error) sftp.status(id, statusOf(error));
        else if (!info.isDirectory()) sftp.status(id, STATUS.FAILURE);
        else sftp.handle(id, newHandle({ dir: real(path) }));
      });
    });
    sftp.on("READDIR", (id, handle) => {
      const entry = handleOf(handle);
      if (entry?.dir === undefined) {
        sftp.status(id, STATUS.FAILURE);
        return;
      }
      if (entry.listed === true) {
        sftp.status(id, STATUS.EOF);
        return;
      }
      entry.listed = true;
      const dir = entry.dir;
      void (async () => {
        const names = [];
        for await (const item of await opendir(dir)) {
          const info = await new Promise<Parameters<typeof attrsOf>[0]>((resolve, reject) => {
            stat(join(dir, item.name), (error, value) => {
              if (error) reject(error);
              else resolve(value);
            });
          });
          names.push({ filename: item.name, longname: item.name, attrs: attrsOf(info) });
        }
        if (names.length === 0) sftp.status(id, STATUS.EOF);
        else sftp.name(id, names);
      })().catch(() => {
        sftp.status(id, STATUS.FAILURE);
      });
    });
    sftp.on("OPEN", (id, filename, flags) => {
      const mode = utils.sftp.flagsToString(flags) ?? "r";
      open(real(filename), mode, 0o644, (error, fd) => {
        if (error) sftp.status(id, statusOf(error));
        else sftp.handle(id, newHandle({ fd }));
      });
    });
    sftp.on("WRITE", (id, handle, offset, data) => {
      const fd = handleOf(handle)?.fd;
      if (fd === undefined) {
        sftp.status(id, STATUS.FAILURE);
        return;
      }
      uploaded += data.length;
      if (options.cutUploadsAfterBytes !== undefined && uploaded > options.cutUploadsAfterBytes) {
        cut(client);
        return;
      }
      write(fd, data, 0, data.length, offset, (error) => {
        sftp.status(id, statusOf(error));
      });
    });
    sftp.on("READ", (id, handle, offset, length) => {
      const fd = handleOf(handle)?.fd;
      if (fd === undefined) {
        sftp.status(id, STATUS.FAILURE);
        return;
      }
      const buffer = Buffer.alloc(length);
      read(fd, buffer, 0, length, offset, (error, bytes) => {
        if (error) {
          sftp.status(id, statusOf(error));
          return;
        }
        if (bytes === 0) {
          sftp.status(id, STATUS.EOF);
          return;
        }
        downloaded += bytes;
        if (
          options.cutDownloadsAfterBytes !== undefined &&
          downloaded > options.cutDownloadsAfterBytes
        ) {
          cut(client);
          return;
        }
        sftp.data(id, buffer.subarray(0, bytes));
      });
    });
    sftp.on("FSTAT", (id, handle) => {
      const fd = handleOf(handle)?.fd;
      if (fd === undefined) {
        sftp.status(id, STATUS.FAILURE);
        return;
      }
      fstat(fd, (error, info) => {
        if (error) sftp.status(id, statusOf(error));
        else sftp.attrs(id, attrsOf(info));
      });
    });
    sftp.on("SETSTAT", (id) => {
      sftp.status(id, STATUS.OK);
    });
    sftp.on("FSETSTAT", (id) => {
      sftp.status(id, STATUS.OK);
    });
    sftp.on("CLOSE", (id, handle) => {
      const entry = handleOf(handle);
      handles.delete(handle.readUInt32BE(0));
      if (entry?.fd === undefined) {
        sftp.status(id, STATUS.OK);
        return;
      }
      close(entry.fd, (error) => {
        sftp.status(id, statusOf(error));
      });
    });
    sftp.on("MKDIR", (id, path) => {
      mkdir(real(path), (error) => {
        sftp.status(id, statusOf(error));
      });
    });
    sftp.on("REMOVE", (id, path) => {
      unlink(real(path), (error) => {
        sftp.status(id, statusOf(error));
      });
    });
    sftp.on("RENAME", (id, from, to) => {
      // SFTP version 3: renaming onto an existing file fails, as OpenSSH does.
      stat(real(to), (missing) => {
        if (missing === null) {
          sftp.status(id, STATUS.FAILURE);
          return;
        }
        rename(real(from), real(to), (error) => {
          sftp.status(id, statusOf(error));
        });
      });
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    hostKey: hostKeyFingerprint(options.hostKey),
    close: async () => {
      for (const client of clients) client.end();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
