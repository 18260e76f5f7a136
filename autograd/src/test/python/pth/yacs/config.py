"""Stand-in for yacs.config.CfgNode (a dict subclass), so the fixture pickles what VMamba's checkpoints hold."""


class CfgNode(dict):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["__immutable__"] = False
        self.__dict__["__deprecated_keys__"] = set()
