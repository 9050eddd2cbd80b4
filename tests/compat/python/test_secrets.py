"""Secret values, versions, paging, properties, disabled and expired secrets, through
azure-keyvault-secrets' SecretClient, unmodified."""

import datetime
import re
import urllib.parse

import compat
from compat import CompatTestCase

VERSION = re.compile(r"^[0-9a-f]{32}$")
MISSING_VERSION = "0123456789abcdef0123456789abcdef"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def whole_seconds(delta):
    """now + delta, truncated to a whole second (Key Vault keeps seconds)."""
    return (now() + delta).replace(microsecond=0)


class SetAndGet(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = compat.secret_client()

    def test_set_returns_the_new_version_and_get_reads_it_back(self):
        name = compat.unique_name("basic")
        value = compat.random_value()
        tags = {"env": "compat", "owner": "tests"}
        s = self.client.set_secret(name, value, content_type="text/plain", tags=tags)
        self.assertEqual(s.name, name)
        self.assertEqual(s.value, value)
        self.assertRegex(s.properties.version, VERSION)
        self.assertEqual(s.id, f"{compat.VAULT_URL}/secrets/{name}/{s.properties.version}")
        self.assertEqual(s.properties.vault_url, compat.VAULT_URL)
        self.assertTrue(s.properties.enabled)
        self.assertEqual(s.properties.content_type, "text/plain")
        self.assertEqual(s.properties.tags, tags)
        self.assertLess(abs((s.properties.created_on - now()).total_seconds()), 120)
        self.assertIsNotNone(s.properties.updated_on)
        self.assertTrue(s.properties.recovery_level)

        got = self.client.get_secret(name)
        self.assertEqual(got.value, value)
        self.assertEqual(got.properties.version, s.properties.version)
        self.assertEqual(got.id, s.id)
        self.assertEqual(got.properties.content_type, "text/plain")
        self.assertEqual(got.properties.tags, tags)

    def test_a_second_set_is_the_new_latest_and_old_versions_stay_readable(self):
        name = compat.unique_name("versions")
        v1, v2 = compat.random_value(), compat.random_value()
        first = self.client.set_secret(name, v1)
        second = self.client.set_secret(name, v2)
        self.assertNotEqual(first.properties.version, second.properties.version)
        latest = self.client.get_secret(name)
        self.assertEqual((latest.value, latest.properties.version), (v2, second.properties.version))
        old = self.client.get_secret(name, first.properties.version)
        self.assertEqual(old.value, v1)
        self.assertEqual(old.id, f"{compat.VAULT_URL}/secrets/{name}/{first.properties.version}")

    def test_unicode_and_json_significant_characters_round_trip(self):
        name = compat.unique_name("unicode")
        value = f'päss "wörd" \\ {{}}\n\t€ 🔑 {compat.random_value()}'
        self.client.set_secret(name, value)
        self.assertEqual(self.client.get_secret(name).value, value)

    def test_a_missing_name_or_version_is_404_secret_not_found(self):
        self.assertHttpError(404, "SecretNotFound", self.client.get_secret,
                             compat.unique_name("missing"))
        name = compat.unique_name("noversion")
        self.client.set_secret(name, "x")
        self.assertHttpError(404, "SecretNotFound", self.client.get_secret, name, MISSING_VERSION)

    def test_names_are_case_insensitive(self):
        name = compat.unique_name("Case")
        v1, v2 = compat.random_value(), compat.random_value()
        self.client.set_secret(name, v1)
        self.assertEqual(self.client.get_secret(name.lower()).value, v1)
        self.client.set_secret(name.upper(), v2)
        self.assertEqual(self.client.get_secret(name).value, v2)
        self.assertEqual(len(list(self.client.list_properties_of_secret_versions(name.lower()))), 2)
        listed = [p for p in self.client.list_properties_of_secrets()
                  if p.name.lower() == name.lower()]
        self.assertEqual(len(listed), 1, "one secret, whatever the casing")


class UpdateProperties(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = compat.secret_client()

    def test_update_changes_enabled_tags_content_type_and_expiry_and_keeps_the_rest(self):
        name = compat.unique_name("update")
        value = compat.random_value()
        version = self.client.set_secret(name, value, tags={"a": "1", "b": "2"},
                                         content_type="old").properties.version
        expires = whole_seconds(datetime.timedelta(days=1))
        updated = self.client.update_secret_properties(
            name, version, enabled=False, tags={"c": "3"}, content_type="application/json",
            expires_on=expires)
        self.assertEqual((updated.name, updated.version), (name, version))
        self.assertFalse(updated.enabled)
        self.assertEqual(updated.tags, {"c": "3"}, "tags are replaced as a whole")
        self.assertEqual(updated.content_type, "application/json")
        self.assertEqual(updated.expires_on, expires)

        err = self.assertHttpError(403, "Forbidden", self.client.get_secret, name)
        self.assertInnerCode(err, "SecretDisabled")

        again = self.client.update_secret_properties(name, version, enabled=True)
        self.assertTrue(again.enabled)
        self.assertEqual(again.tags, {"c": "3"})
        self.assertEqual(again.content_type, "application/json")
        self.assertEqual(again.expires_on, expires)
        got = self.client.get_secret(name)
        self.assertEqual(got.value, value, "updates leave the value alone")

    def test_update_without_a_version_updates_the_latest(self):
        # Python's update_secret_properties makes the version optional: PATCH /secrets/NAME/.
        name = compat.unique_name("updlatest")
        self.client.set_secret(name, "1")
        latest = self.client.set_secret(name, "2").properties.version
        updated = self.client.update_secret_properties(name, tags={"latest": "yes"})
        self.assertEqual(updated.version, latest)
        self.assertEqual(self.client.get_secret(name).properties.tags, {"latest": "yes"})

    def test_updating_an_older_version_leaves_the_latest_alone(self):
        name = compat.unique_name("updold")
        first = self.client.set_secret(name, "1").properties.version
        second = self.client.set_secret(name, "2").properties.version
        self.client.update_secret_properties(name, first, tags={"old": "yes"})
        latest = self.client.get_secret(name)
        self.assertEqual(latest.properties.version, second)
        self.assertIsNone(latest.properties.tags)
        self.assertEqual(self.client.get_secret(name, first).properties.tags, {"old": "yes"})

    def test_updating_an_unknown_version_is_404(self):
        name = compat.unique_name("updmissing")
        self.client.set_secret(name, "x")
        self.assertHttpError(404, "SecretNotFound", self.client.update_secret_properties, name,
                             MISSING_VERSION, enabled=False)


class DisabledAndDated(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = compat.secret_client()

    def test_a_disabled_secret_is_403_secret_disabled_and_still_listed(self):
        name = compat.unique_name("disabled")
        s = self.client.set_secret(name, "x", enabled=False)
        self.assertFalse(s.properties.enabled)
        err = self.assertHttpError(403, "Forbidden", self.client.get_secret, name)
        self.assertInnerCode(err, "SecretDisabled")
        versions = list(self.client.list_properties_of_secret_versions(name))
        self.assertEqual([(v.version, v.enabled) for v in versions],
                         [(s.properties.version, False)])

    def test_expired_and_not_yet_valid_secrets_stay_readable(self):
        for label, kwargs in (
                ("expired", {"expires_on": whole_seconds(-datetime.timedelta(hours=1))}),
                ("notbefore", {"not_before": whole_seconds(datetime.timedelta(hours=1))})):
            with self.subTest(label):
                name = compat.unique_name(label)
                value = compat.random_value()
                self.client.set_secret(name, value, **kwargs)
                got = self.client.get_secret(name)
                self.assertEqual(got.value, value)
                field, expected = next(iter(kwargs.items()))
                self.assertEqual(getattr(got.properties, field), expected)
                self.assertEqual(getattr(got.properties, field).tzinfo.utcoffset(None),
                                 datetime.timedelta(0))


class Paging(CompatTestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = compat.secret_client()
        cls.prefix = compat.unique_name("page")
        cls.names = [f"{cls.prefix}-{i}" for i in range(1, 6)]
        for name in cls.names:
            cls.client.set_secret(name, compat.random_value(), tags={"batch": cls.prefix})
        cls.client.set_secret(cls.names[0], compat.random_value(), tags={"batch": cls.prefix})
        cls.versioned = compat.unique_name("vers")
        cls.versions = [
            cls.client.set_secret(cls.versioned, compat.random_value()).properties.version
            for _ in range(5)]

    def pages(self, pager):
        return [list(page) for page in pager.by_page()]

    def test_max_page_size_2_lists_every_secret_once_over_several_pages(self):
        pages = self.pages(self.client.list_properties_of_secrets(max_page_size=2))
        self.assertGreater(len(pages), 1)
        for page in pages:
            self.assertLessEqual(len(page), 2)
        names = [p.name for page in pages for p in page]
        self.assertEqual(len(names), len(set(names)), "no secret listed twice")
        for name in self.names:
            self.assertIn(name, names)

    def test_items_have_properties_but_no_value_and_versionless_ids(self):
        mine = [p for p in self.client.list_properties_of_secrets()
                if p.name.startswith(self.prefix + "-")]
        self.assertEqual(sorted(p.name for p in mine), sorted(self.names))
        for p in mine:
            self.assertEqual(p.id, f"{compat.VAULT_URL}/secrets/{p.name}")
            self.assertIsNone(p.version)
            self.assertTrue(p.enabled)
            self.assertEqual(p.tags, {"batch": self.prefix})
            self.assertIsNotNone(p.created_on)

    def test_a_continuation_token_is_the_absolute_next_link_and_resumes(self):
        # Python's pager exposes the nextLink as continuation_token (the JS SDK drops it).
        pager = self.client.list_properties_of_secrets(max_page_size=2).by_page()
        first = [p.name for p in next(pager)]
        token = pager.continuation_token
        self.assertIsInstance(token, str)
        link = urllib.parse.urlsplit(token)
        self.assertEqual(f"{link.scheme}://{link.netloc}", compat.VAULT_URL)
        self.assertEqual(link.path, "/secrets")
        rest = [p.name for page in self.client.list_properties_of_secrets(max_page_size=2)
                .by_page(continuation_token=token) for p in page]
        self.assertTrue(rest)
        self.assertFalse(set(first) & set(rest), "a resumed listing repeats nothing")
        self.assertTrue(set(self.names) <= set(first) | set(rest))

    def test_versions_page_by_two_and_each_version_appears_once(self):
        pages = self.pages(self.client.list_properties_of_secret_versions(
            self.versioned, max_page_size=2))
        self.assertGreater(len(pages), 1)
        listed = [p for page in pages for p in page]
        self.assertEqual(sorted(p.version for p in listed), sorted(self.versions))
        for p in listed:
            self.assertEqual(p.id, f"{compat.VAULT_URL}/secrets/{self.versioned}/{p.version}")

    def test_versions_of_a_missing_name_are_an_empty_list(self):
        # Azure answers 200 with no items (the SDKs' recorded tests expect zero).
        self.assertEqual(list(self.client.list_properties_of_secret_versions(
            compat.unique_name("never"))), [])
