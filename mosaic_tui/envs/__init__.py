"""Environment families, tasks, creation, action labels, game profiles."""

from mosaic_tui.envs import profiles
from mosaic_tui.envs.actions import action_labels, discrete_size, noop_action
from mosaic_tui.envs.catalog import (
    FAMILIES,
    EnvError,
    Family,
    agent_ids,
    check_task,
    env_settings,
    family,
    family_of,
    installed_families,
    make_env,
    player_slots,
    refresh_plugins,
    stepping,
    tasks,
    warm_up_note,
)
from mosaic_tui.envs.plugins import plugin_family

__all__ = [
    "FAMILIES",
    "EnvError",
    "Family",
    "agent_ids",
    "action_labels",
    "check_task",
    "discrete_size",
    "family",
    "family_of",
    "installed_families",
    "make_env",
    "player_slots",
    "plugin_family",
    "refresh_plugins",
    "noop_action",
    "env_settings",
    "stepping",
    "warm_up_note",
    "profiles",
    "tasks",
]
