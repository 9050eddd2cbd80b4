"""Soft delete, recover and purge through the SDK's pollers; backup and restore."""

import datetime

import compat
from compat import CompatTestCase


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class SoftDelete(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.log = compat.RequestLog()
        cls.client = compat.secret_client(**cls.log.as_kwargs())

    def delete_and_wait(self, name):
        poller = self.client.begin_delete_secret(name)
        poller.wait()
        return poller.result()

    def test_delete_get_list_recover_delete_purge(self):
        name = compat.unique_name("lifecycle")
        value = compat.random_value()
        version = self.client.set_secret(name, value, tags={"keep": "me"}).properties.version

        # The poller: DELETE, then GET /deletedsecrets/NAME until it is there. Coffer deletes
        # synchronously, so the first GET finds it and the poller never sleeps.
        self.log.clear()
        poller = self.client.begin_delete_secret(name)
        poller.wait(timeout=60)
        self.assertTrue(poller.done())
        self.assertEqual(self.log.calls(), [("DELETE", f"/secrets/{name}"),
                                            ("GET", f"/deletedsecrets/{name}")])
        deleted = poller.result()
        self.assertEqual(deleted.name, name)
        self.assertEqual(deleted.recovery_id, f"{compat.VAULT_URL}/deletedsecrets/{name}")
        self.assertEqual(deleted.properties.version, version)
        self.assertLess(abs((deleted.deleted_date - now()).total_seconds()), 120)
        self.assertGreater(deleted.scheduled_purge_date, deleted.deleted_date)
        days = deleted.properties.recoverable_days
        self.assertIsNotNone(days)
        self.assertEqual(deleted.scheduled_purge_date - deleted.deleted_date,
                         datetime.timedelta(days=days))

        self.assertHttpError(404, "SecretNotFound", self.client.get_secret, name)
        got = self.client.get_deleted_secret(name)
        self.assertEqual(got.recovery_id, f"{compat.VAULT_URL}/deletedsecrets/{name}")
        self.assertEqual(got.properties.tags, {"keep": "me"})
        listed = [d for d in self.client.list_deleted_secrets() if d.name == name]
        self.assertEqual(len(listed), 1)
        self.assertIsNotNone(listed[0].deleted_date)
        self.assertIsNotNone(listed[0].scheduled_purge_date)
        self.assertFalse([p for p in self.client.list_properties_of_secrets() if p.name == name])

        # Recover: POST .../recover, then GET /secrets/NAME/ until it is back.
        self.log.clear()
        recover = self.client.begin_recover_deleted_secret(name)
        recover.wait(timeout=60)
        self.assertEqual(self.log.calls(), [("POST", f"/deletedsecrets/{name}/recover"),
                                            ("GET", f"/secrets/{name}/")])
        self.assertEqual(recover.result().version, version)
        back = self.client.get_secret(name)
        self.assertEqual((back.value, back.properties.version), (value, version))
        self.assertEqual(back.properties.tags, {"keep": "me"})
        self.assertHttpError(404, "SecretNotFound", self.client.get_deleted_secret, name)

        self.delete_and_wait(name)
        self.client.purge_deleted_secret(name)
        self.assertHttpError(404, "SecretNotFound", self.client.get_deleted_secret, name)
        self.assertHttpError(404, "SecretNotFound", self.client.get_secret, name)
        self.assertNotEqual(self.client.set_secret(name, "again").properties.version, version,
                            "the name is free again")

    def test_set_on_a_soft_deleted_name_is_409_conflict(self):
        name = compat.unique_name("conflict")
        self.client.set_secret(name, "x")
        self.delete_and_wait(name)
        err = self.assertHttpError(409, "Conflict", self.client.set_secret, name, "y")
        self.assertIn("deleted", err.message.lower())
        self.client.purge_deleted_secret(name)

    def test_delete_purge_or_recover_of_what_is_not_there_is_404(self):
        name = compat.unique_name("absent")
        self.assertHttpError(404, "SecretNotFound", self.client.begin_delete_secret, name)
        self.assertHttpError(404, "SecretNotFound", self.client.purge_deleted_secret, name)
        self.assertHttpError(404, "SecretNotFound", self.client.begin_recover_deleted_secret, name)
        self.client.set_secret(name, "live")
        self.assertHttpError(404, "SecretNotFound", self.client.purge_deleted_secret, name)
        self.assertHttpError(404, "SecretNotFound", self.client.begin_recover_deleted_secret, name)


class BackupRestore(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = compat.secret_client()

    def test_backup_purge_restore_brings_back_every_version_and_its_attributes(self):
        name = compat.unique_name("backup")
        values = [compat.random_value() for _ in range(3)]
        versions = [self.client.set_secret(name, v, content_type="x").properties.version
                    for v in values]
        self.client.update_secret_properties(name, versions[0], enabled=False, tags={"first": "1"})

        blob = self.client.backup_secret(name)
        self.assertIsInstance(blob, bytes)
        for v in values:
            self.assertNotIn(v.encode(), blob, "no value in clear in the backup")

        self.assertHttpError(409, "Conflict", self.client.restore_secret_backup, blob)

        self.client.begin_delete_secret(name).wait()
        self.client.purge_deleted_secret(name)
        self.assertHttpError(404, "SecretNotFound", self.client.get_secret, name)

        restored = self.client.restore_secret_backup(blob)
        self.assertEqual((restored.name, restored.version), (name, versions[2]))
        listed = {p.version: p for p in self.client.list_properties_of_secret_versions(name)}
        self.assertEqual(sorted(listed), sorted(versions))
        for version, value in zip(versions[1:], values[1:]):
            got = self.client.get_secret(name, version)
            self.assertEqual((got.value, got.properties.content_type), (value, "x"))
        self.assertEqual(self.client.get_secret(name).value, values[2])
        self.assertFalse(listed[versions[0]].enabled)
        self.assertEqual(listed[versions[0]].tags, {"first": "1"})
        self.assertHttpError(403, "Forbidden", self.client.get_secret, name, versions[0])

    def test_backup_of_a_missing_name_is_404(self):
        self.assertHttpError(404, "SecretNotFound", self.client.backup_secret,
                             compat.unique_name("nobackup"))

    def test_a_corrupted_backup_is_400(self):
        name = compat.unique_name("corrupt")
        self.client.set_secret(name, "x")
        blob = bytearray(self.client.backup_secret(name))
        blob[len(blob) // 2] ^= 0xFF
        self.assertHttpError(400, None, self.client.restore_secret_backup, bytes(blob))
