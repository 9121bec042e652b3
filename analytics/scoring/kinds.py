"""Issue type -> kind: which of :data:`KINDS` a Jira issue type is scored as."""

from __future__ import annotations

import re

from analytics.scoring.model import KIND_BUG, KIND_EPIC, KIND_STORY, KIND_SUBTASK, KIND_TASK

_EPIC_NAMES = frozenset(
    {"epic", "épica", "epica", "épico", "épique", "エピック", "에픽", "史诗", "эпик"}
)
_SUBTASK_NAMES = frozenset(
    {
        "sub-task",
        "subtask",
        "sub task",
        "sub-tarea",
        "subtarea",
        "sous-tâche",
        "unteraufgabe",
        "sottotask",
        "subtarefa",
        "sub-tarefa",
        "podzadanie",
        "subtaak",
        "подзадача",
        "サブタスク",
        "하위 작업",
        "子任务",
    }
)
_BUG_NAMES = frozenset(
    {
        "bug",
        "defect",
        "defecto",
        "defeito",
        "fehler",
        "bogue",
        "error",
        "errore",
        "erro",
        "incidencia",
        "błąd",
        "fout",
        "chyba",
        "hiba",
        "hata",
        "fejl",
        "feil",
        "fel",
        "virhe",
        "ошибка",
        "баг",
        "дефект",
        "помилка",
        "バグ",
        "버그",
        "缺陷",
        "故障",
        "错误",
    }
)
_STORY_NAMES = frozenset(
    {
        "story",
        "user story",
        "historia",
        "história",
        "historia de usuario",
        "récit",
        "storia",
        "geschichte",
        "verhaal",
        "příběh",
        "hikaye",
        "tarina",
        "historie",
        "berättelse",
        "история",
        "історія",
        "ストーリー",
        "스토리",
        "故事",
    }
)
_BUG_WORD_RE = re.compile(r"\b(?:bug|defect)")  # "Production bug", "Bugfix", not "Debug"
_STORY_WORD_RE = re.compile(r"\bstor(?:y|ies)\b")  # "User story", not "History"
_kind_cache: dict[tuple[str, int], str] = {}


def issue_kind(issue_type: str, hierarchy_level: int = 0) -> str:
    """Map a Jira issue type to one of :data:`KINDS`.

    The hierarchy level decides first (1 and above: epic, -1 and below: sub-task);
    at level 0 the (possibly localized) type name tells bugs and stories apart from
    everything else, which is scored as a task.
    """
    cache_key = (issue_type, hierarchy_level)
    kind = _kind_cache.get(cache_key)
    if kind is not None:
        return kind
    if hierarchy_level >= 1:
        kind = KIND_EPIC
    elif hierarchy_level <= -1:
        kind = KIND_SUBTASK
    else:
        name = " ".join((issue_type or "").lower().split())
        if name in _BUG_NAMES or _BUG_WORD_RE.search(name):
            kind = KIND_BUG
        elif name in _STORY_NAMES or _STORY_WORD_RE.search(name):
            kind = KIND_STORY
        elif name in _EPIC_NAMES:
            kind = KIND_EPIC
        elif name in _SUBTASK_NAMES:
            kind = KIND_SUBTASK
        else:
            kind = KIND_TASK
    if len(_kind_cache) < 4096:
        _kind_cache[cache_key] = kind
    return kind
