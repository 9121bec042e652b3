import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.jira import adf
from integrations.jira.adf import MAX_DEPTH, adf_text_and_urls, adf_to_text, adf_urls


def doc(*content):
    return {"type": "doc", "version": 1, "content": list(content)}


def text(value, *marks):
    node = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def link(href):
    return {"type": "link", "attrs": {"href": href}}


def para(*content):
    return {"type": "paragraph", "content": list(content)}


def item(*content):
    return {"type": "listItem", "content": list(content)}


def bullets(*items):
    return {"type": "bulletList", "content": list(items)}


def cell(value, node_type="tableCell"):
    return {"type": node_type, "attrs": {}, "content": [para(text(value))]}


# The example from the fact sheet (§5), as Jira Cloud returns it.
FACT_SHEET_DOC = doc(
    para(
        text("Fix login, see "),
        {"type": "inlineCard", "attrs": {"url": "https://github.com/org/repo/pull/12"}},
        {"type": "mention", "attrs": {"id": "557058:abc", "text": "@Ana"}},
        text(" now", {"type": "strong"}),
    ),
    bullets(item(para(text("step one")))),
)


# -- adf_to_text ----------------------------------------------------------------


def test_fact_sheet_example_renders_card_mention_and_list():
    assert adf_to_text(FACT_SHEET_DOC) == (
        "Fix login, see https://github.com/org/repo/pull/12 @Ana now\n\n- step one"
    )


def test_none_is_empty_and_plain_strings_pass_through():
    assert adf_to_text(None) == ""
    assert adf_to_text("v2 body\n\nkept  as is ") == "v2 body\n\nkept  as is "


def test_paragraphs_are_separated_by_blank_lines():
    assert adf_to_text(doc(para(text("one")), para(text("two")))) == "one\n\ntwo"


def test_empty_paragraphs_do_not_add_blank_lines():
    result = adf_to_text(doc(para(text("one")), para(), para(text(" ")), para(text("two"))))
    assert result == "one\n\ntwo"


def test_headings_stand_on_their_own_line():
    heading = {"type": "heading", "attrs": {"level": 2}, "content": [text("Context")]}
    assert adf_to_text(doc(heading, para(text("body")))) == "Context\n\nbody"


def test_nested_lists_are_indented_by_two_spaces():
    nested = bullets(
        item(
            para(text("parent")),
            bullets(item(para(text("child")), bullets(item(para(text("grandchild")))))),
        ),
        item(para(text("sibling"))),
    )
    assert adf_to_text(doc(nested)) == "- parent\n  - child\n    - grandchild\n- sibling"


def test_ordered_lists_number_items_from_attrs_order():
    ordered = {
        "type": "orderedList",
        "attrs": {"order": 3},
        "content": [item(para(text("c"))), item(para(text("d")))],
    }
    assert adf_to_text(doc(ordered)) == "3. c\n4. d"


def test_ordered_lists_default_to_one_when_order_is_missing_or_bogus():
    for attrs in ({}, {"order": "x"}, {"order": -4}, {"order": True}, None):
        ordered = {"type": "orderedList", "attrs": attrs, "content": [item(para(text("a")))]}
        assert adf_to_text(doc(ordered)) == "1. a"


def test_task_items_show_their_checkbox_state():
    tasks = {
        "type": "taskList",
        "attrs": {"localId": "t1"},
        "content": [
            {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [text("write tests")]},
            {
                "type": "taskList",
                "content": [
                    {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [text("edge")]}
                ],
            },
            {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [text("ship")]},
        ],
    }
    assert adf_to_text(doc(tasks)) == "[x] write tests\n  [ ] edge\n[ ] ship"


def test_code_blocks_are_fenced_and_verbatim():
    code = {
        "type": "codeBlock",
        "attrs": {"language": "python"},
        "content": [text("def f(x):\n    return x * 2  # **not bold**")],
    }
    assert adf_to_text(doc(para(text("Try:")), code)) == (
        "Try:\n\n```\ndef f(x):\n    return x * 2  # **not bold**\n```"
    )


def test_a_code_block_ending_in_a_newline_has_no_blank_line_before_its_fence():
    code = {"type": "codeBlock", "content": [text("make test\n")]}
    assert adf_to_text(doc(code)) == "```\nmake test\n```"


def test_blockquote_lines_are_prefixed():
    quote = {"type": "blockquote", "content": [para(text("first")), para(text("second"))]}
    assert adf_to_text(doc(quote)) == "> first\n>\n> second"


def test_hard_breaks_become_newlines_and_rules_dashes():
    result = adf_to_text(doc(para(text("a"), {"type": "hardBreak"}, text("b")), {"type": "rule"}))
    assert result == "a\nb\n\n---"


def test_mentions_become_at_names():
    mentions = para(
        {"type": "mention", "attrs": {"id": "1", "text": "@Ana"}},
        text(" and "),
        {"type": "mention", "attrs": {"id": "2", "text": "Bo"}},
        text(" and "),
        {"type": "mention", "attrs": {"id": "557058:xyz"}},
    )
    assert adf_to_text(doc(mentions)) == "@Ana and @Bo and @557058:xyz"


def test_emoji_uses_text_then_short_name():
    emoji = para(
        {"type": "emoji", "attrs": {"shortName": ":tada:", "id": "1f389", "text": "🎉"}},
        {"type": "emoji", "attrs": {"shortName": ":custom:"}},
    )
    assert adf_to_text(doc(emoji)) == "🎉:custom:"


def test_cards_render_as_their_url():
    cards = doc(
        para(text("See"), {"type": "inlineCard", "attrs": {"url": "https://a.example/1"}}),
        {"type": "blockCard", "attrs": {"url": "https://b.example/2"}},
        {"type": "embedCard", "attrs": {"url": "https://c.example/3", "layout": "wide"}},
    )
    assert (
        adf_to_text(cards)
        == "See https://a.example/1\n\nhttps://b.example/2\n\nhttps://c.example/3"
    )


def test_link_marks_append_the_href_unless_the_text_is_the_url():
    linked = para(
        text("the spec", link("https://docs.google.com/d/1")),
        text(" or "),
        text("https://example.com", link("https://example.com")),
    )
    assert adf_to_text(doc(linked)) == (
        "the spec (https://docs.google.com/d/1) or https://example.com"
    )


def test_status_and_date_nodes_render_their_value():
    inline = para(
        {"type": "status", "attrs": {"text": "BLOCKED", "color": "red"}},
        text(" since "),
        {"type": "date", "attrs": {"timestamp": "1582152559000"}},
        text(" / "),
        {"type": "date", "attrs": {"timestamp": 1582152559000}},
        text(" / "),
        {"type": "date", "attrs": {"timestamp": "not a number"}},
    )
    assert adf_to_text(doc(inline)) == "BLOCKED since 2020-02-19 / 2020-02-19 /"


def test_tables_render_one_row_per_line():
    table = {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
        "content": [
            {"type": "tableRow", "content": [cell("Step", "tableHeader"), cell("Owner")]},
            {"type": "tableRow", "content": [cell("Deploy"), cell("Ana")]},
        ],
    }
    assert adf_to_text(doc(table)) == "Step | Owner\nDeploy | Ana"


def test_containers_render_their_content():
    panel = {"type": "panel", "attrs": {"panelType": "info"}, "content": [para(text("note"))]}
    expand = {"type": "expand", "attrs": {"title": "Details"}, "content": [para(text("hidden"))]}
    layout = {
        "type": "layoutSection",
        "content": [
            {"type": "layoutColumn", "attrs": {"width": 50}, "content": [para(text("left"))]},
            {"type": "layoutColumn", "attrs": {"width": 50}, "content": [para(text("right"))]},
        ],
    }
    assert adf_to_text(doc(panel, expand, layout)) == "note\n\nDetails\n\nhidden\n\nleft\n\nright"


def test_media_is_dropped():
    media = {"type": "media", "attrs": {"id": "abc", "type": "file", "collection": "c"}}
    result = adf_to_text(
        doc(
            para(text("before")),
            {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]},
            {"type": "mediaGroup", "content": [media, media]},
            para(text("inline"), {"type": "mediaInline", "attrs": {"id": "x"}}, text(" end")),
            para(text("after")),
        )
    )
    assert result == "before\n\ninline end\n\nafter"


def test_unknown_nodes_contribute_their_content_or_text():
    result = adf_to_text(
        doc(
            {
                "type": "decisionList",
                "content": [{"type": "decisionItem", "content": [text("go")]}],
            },
            para(text("a "), {"type": "futureInline", "text": "b"}, text(" c")),
            {"type": "futureBlock", "attrs": {"x": 1}},
        )
    )
    assert result == "go\n\na b c"


def test_malformed_nodes_are_skipped():
    malformed = {
        "type": "doc",
        "content": [
            "stray string",
            42,
            None,
            {"type": "paragraph", "content": "not a list"},
            {"type": "paragraph", "content": [{"type": "text", "text": 5}, text("ok")]},
            {"content": [text("no type")]},
            {"type": "bulletList", "content": [None, {"type": "listItem"}, item(para(text("x")))]},
            {"type": "table", "content": [{"type": "tableRow", "content": [None, cell("c")]}]},
            {"type": "mention", "attrs": "oops"},
            {"type": "text", "text": "bare", "marks": [{"type": "link"}, "bad"]},
        ],
    }
    assert adf_to_text(malformed) == "ok\n\nno type\n\n- x\n\nc\n\nbare"


def test_lists_nested_without_a_list_item_are_still_indented():
    nested = bullets(item(para(text("a"))), bullets(item(para(text("b")))), item(para(text("c"))))
    assert adf_to_text(doc(nested)) == "- a\n  - b\n- c"


def test_blocks_wrongly_placed_inside_a_paragraph_keep_their_shape():
    result = adf_to_text(doc(para(text("see:"), bullets(item(para(text("x")))))))
    assert result == "see:\n- x"


def test_text_directly_inside_doc_is_kept_as_a_paragraph():
    assert adf_to_text(doc(text("loose "), text("words"), para(text("p")))) == "loose words\n\np"


def test_non_document_values_render_as_empty_text():
    for value in (42, 1.5, True, ["x"], {"type": "doc", "content": None}, {}):
        assert adf_to_text(value) == ""


def test_whitespace_is_tidied():
    messy = doc(para(text("a   "), {"type": "hardBreak"}, {"type": "hardBreak"}, text("b")))
    messy["content"].append(para(text("\n\n\n\nc  ")))
    assert adf_to_text(messy) == "a\n\nb\n\nc"


def test_deep_nesting_is_capped_without_recursion_error():
    node = para(text("bottom"))
    for _ in range(5000):
        node = {"type": "blockquote", "content": [node]}
    assert isinstance(adf_to_text(doc(node)), str)
    deep_list = para(text("leaf"))
    for _ in range(5000):
        deep_list = bullets(item(deep_list))
    assert isinstance(adf_to_text(doc(deep_list)), str)


def test_shared_and_cyclic_nodes_terminate():
    shared = para(text("x"))
    for _ in range(60):
        shared = {"type": "panel", "content": [shared, shared]}
    assert isinstance(adf_to_text(doc(shared)), str)
    cyclic = {"type": "panel", "content": []}
    cyclic["content"].append(cyclic)
    assert adf_to_text(cyclic) == ""
    assert adf_urls(cyclic) == []


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                ["type", "content", "text", "attrs", "marks", "href", "url", "order", "state"]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
        | st.fixed_dictionaries(
            {
                "type": st.sampled_from(
                    [
                        "doc",
                        "paragraph",
                        "text",
                        "bulletList",
                        "orderedList",
                        "listItem",
                        "taskList",
                        "taskItem",
                        "table",
                        "tableRow",
                        "tableCell",
                        "codeBlock",
                        "blockquote",
                        "mention",
                        "date",
                        "link",
                        "inlineCard",
                        "mystery",
                    ]
                ),
                "content": st.lists(children, max_size=4),
            },
            optional={"attrs": children, "text": children, "marks": children},
        )
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_like)
def test_never_raises_on_arbitrary_json_like_input(value):
    assert isinstance(adf_to_text(value), str)
    urls = adf_urls(value)
    assert isinstance(urls, list)
    assert all(url.lower().startswith(("http://", "https://")) for url in urls)


# -- adf_urls -------------------------------------------------------------------


def test_urls_come_from_cards_links_and_bare_text_in_order():
    document = doc(
        para(text("Design: "), text("doc", link("https://docs.google.com/document/d/abc/edit"))),
        FACT_SHEET_DOC["content"][0],
        {"type": "blockCard", "attrs": {"url": "https://x.atlassian.net/wiki/spaces/ENG/pages/9"}},
        para(
            text("also see https://gitlab.com/g/r/-/merge_requests/4, and (https://example.com/x).")
        ),
        {"type": "embedCard", "attrs": {"url": "https://www.figma.com/file/1"}},
    )
    assert adf_urls(document) == [
        "https://docs.google.com/document/d/abc/edit",
        "https://github.com/org/repo/pull/12",
        "https://x.atlassian.net/wiki/spaces/ENG/pages/9",
        "https://gitlab.com/g/r/-/merge_requests/4",
        "https://example.com/x",
        "https://www.figma.com/file/1",
    ]


def test_urls_are_deduplicated():
    url = "https://github.com/org/repo/pull/12"
    document = doc(
        para(text(url, link(url))),
        para({"type": "inlineCard", "attrs": {"url": url}}, text(f" again: {url}")),
    )
    assert adf_urls(document) == [url]


def test_only_http_urls_are_returned():
    document = doc(
        para(
            text("mail", link("mailto:a@example.com")),
            text("rel", link("/browse/ABC-1")),
            text("js", link("javascript:alert(1)")),
            {"type": "inlineCard", "attrs": {"url": "ftp://files.example.com/x"}},
            text("HTTPS://Example.COM/Upper"),
        )
    )
    assert adf_urls(document) == ["HTTPS://Example.COM/Upper"]


def test_urls_keep_balanced_parentheses():
    document = doc(para(text("see https://en.wikipedia.org/wiki/Foo_(bar) now")))
    assert adf_urls(document) == ["https://en.wikipedia.org/wiki/Foo_(bar)"]


def test_urls_in_code_blocks_are_found():
    code = {"type": "codeBlock", "content": [text("curl https://api.example.com/v1")]}
    assert adf_urls(doc(code)) == ["https://api.example.com/v1"]


def test_urls_from_v2_string_bodies_and_empty_values():
    assert adf_urls("see https://a.example/x.") == ["https://a.example/x"]
    assert adf_urls(None) == []
    assert adf_urls({"type": "doc"}) == []


# -- adf_text_and_urls: both in one walk ------------------------------------------

URL_TEXT = st.sampled_from(
    [
        "plain words",
        "see https://a.example/x.",
        "HTTP://B.example/y)",
        "(https://c.example/(z))",
        "",
    ]
)
NODE_TYPES = [
    "doc", "paragraph", "heading", "text", "hardBreak", "mention", "emoji", "inlineCard",
    "blockCard", "embedCard", "status", "date", "placeholder", "mediaInline", "media",
    "mediaSingle", "mediaGroup", "bulletList", "orderedList", "listItem", "taskList",
    "taskItem", "codeBlock", "blockquote", "rule", "table", "tableRow", "tableHeader",
    "tableCell", "expand", "nestedExpand", "panel", "layoutSection", "layoutColumn",
    "inlineExtension", "mystery",
]  # fmt: skip
adf_like = st.recursive(
    st.fixed_dictionaries(
        {"type": st.just("text"), "text": URL_TEXT},
        optional={"marks": st.just([{"type": "link", "attrs": {"href": "https://d.example/"}}])},
    )
    | st.none()
    | URL_TEXT,
    lambda children: st.fixed_dictionaries(
        {"type": st.sampled_from(NODE_TYPES)},
        optional={
            "content": st.lists(children, max_size=4),
            "text": URL_TEXT,
            "attrs": st.fixed_dictionaries(
                {},
                optional={
                    "url": st.just("https://e.example/card"),
                    "text": URL_TEXT,
                    "title": URL_TEXT,
                    "state": st.sampled_from(["DONE", "TODO"]),
                    "timestamp": st.just("1700000000000"),
                },
            ),
            "marks": st.just([{"type": "link", "attrs": {"href": "https://f.example/"}}]),
        },
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(adf_like | json_like)
def test_text_and_urls_in_one_walk_are_the_two_functions_results(value):
    assert adf_text_and_urls(value) == (adf_to_text(value), adf_urls(value))


def test_a_well_formed_document_is_walked_once(monkeypatch):
    def no_second_walk(doc):
        raise AssertionError("walked twice")

    monkeypatch.setattr(adf, "_walk", no_second_walk)
    code = {"type": "codeBlock", "content": [text("curl https://api.example.com/v1")]}
    document = doc(
        *FACT_SHEET_DOC["content"],
        code,
        para(text("docs", link("https://docs.example/a")), text(" and https://b.example/c.")),
    )
    assert adf_text_and_urls(document) == (
        adf_to_text(document),
        [
            "https://github.com/org/repo/pull/12",
            "https://api.example.com/v1",
            "https://docs.example/a",
            "https://b.example/c",
        ],
    )


def test_parts_the_renderer_skips_are_walked_for_their_urls():
    media = {"type": "mediaSingle", "content": [text("https://hidden.example/m")]}
    nested = {"type": "text", "text": "x", "content": [text("https://child.example/t")]}
    deep = text("https://deep.example/d")
    for _ in range(MAX_DEPTH + 2):
        deep = {"type": "blockquote", "content": [deep]}
    for document in (doc(media), doc(para(nested)), doc(deep)):
        assert adf_text_and_urls(document) == (adf_to_text(document), adf_urls(document))
    assert adf_text_and_urls(doc(media))[1] == ["https://hidden.example/m"]


# -- text nodes rendered without the general dispatch -----------------------------

text_nodes = st.fixed_dictionaries(
    {"type": st.just("text")},
    optional={
        "text": st.sampled_from(["", " ", "see https://example.com/a.", "PR #1", "x\n"])
        | st.text(max_size=8)
        | st.none()
        | st.integers(),
        "marks": st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["link", "strong"])},
                optional={
                    "attrs": st.fixed_dictionaries(
                        {},
                        optional={
                            "href": st.sampled_from(
                                ["https://github.com/o/r/pull/1", " see ", "", "PR #1"]
                            )
                            | st.none()
                        },
                    )
                },
            ),
            max_size=2,
        )
        | st.none(),
        "content": st.lists(st.just({"type": "text", "text": "hidden"}), max_size=1) | st.just("x"),
    },
)
# Paragraphs and other nodes holding mostly text nodes, now and then anything at all.
text_heavy = st.recursive(
    text_nodes,
    lambda children: st.fixed_dictionaries(
        {
            "type": st.sampled_from(["doc", "paragraph", "heading", "mention", "mystery"]),
            "content": st.lists(children | text_nodes | json_like, max_size=5),
        },
        optional={"attrs": st.just({"text": "@Ana", "url": "https://x.example/c"})},
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(text_heavy)
def test_text_nodes_render_the_same_with_or_without_the_fast_path(value):

    fast = (adf_to_text(value), adf_text_and_urls(value))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adf._Renderer, "fast_text", False)
        general = (adf_to_text(value), adf_text_and_urls(value))
    assert fast == general


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\na\r\x0b", max_size=30))
def test_tidy_is_the_two_regex_passes(text):
    expected = adf._MANY_NEWLINES_RE.sub("\n\n", adf._TRAILING_SPACE_RE.sub("", text)).strip("\n")
    assert adf._tidy(text) == expected
