// What can go wrong reading an encrypted file: the wrong key (the machine's setup) or damaged bytes (the backup).
import { EnvironmentError, RecoverableError } from '../../core/errors.ts';

/** The file was encrypted with another key than the one given: exit 3, nothing was decrypted. */
export class KeyMismatchError extends EnvironmentError {
  readonly fileKeyId: string;
  readonly keyId: string;
  constructor(what: string, fileKeyId: string, keyId: string) {
    super('key-mismatch', `${what} was encrypted with key ${fileKeyId}, the scenario's key is ${keyId}`, {
      hint: 'point repository.encryption.key at the key the backups were taken with',
    });
    this.fileKeyId = fileKeyId;
    this.keyId = keyId;
  }
}

/** The ciphertext does not authenticate (flipped, truncated, reordered, appended or foreign bytes): the backup is damaged. */
export class CiphertextDamagedError extends RecoverableError {
  readonly file: string;
  constructor(file: string, problem: string) {
    super('ciphertext-damaged', `${file}: ${problem}`, {
      hint: 'the encrypted file was altered after it was written: take a new backup',
    });
    this.file = file;
  }
}
