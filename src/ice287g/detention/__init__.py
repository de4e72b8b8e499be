"""Detention statistics: releases, facilities and their operators, jails."""
