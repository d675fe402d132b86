"""engine messages of the zh catalogue: refused parameters and losses, outcomes, the theory."""

MESSAGES: dict[str, str] = {
    "i18n.unknown": "未知的语言 {code!r}（可选：{known}）",
    # spec.py (and descent.py): a refused parameter is "{name}: {reason}"
    "spec.error": "{name}：{reason}",
    "spec.unknown_schedule": "未知的学习率调度 {kind}（可选：{known}）",
    "spec.unknown_optimizer": "未知的优化器 {name}（可选：{known}）",
    "spec.above_0": "必须大于 0",
    "spec.at_least_0": "必须大于或等于 0",
    "spec.at_least_1": "至少为 1",
    "spec.at_most": "最多为 {max:,}",
    "spec.fraction": "必须在 0 到 1 之间（表示 lr 的几分之几）",
    "spec.factors_count": "个数必须比分界点多一个：应为 {wanted} 个，而不是 {given} 个",
    "spec.boundaries_empty": "至少需要一个学习率发生变化的步数",
    "spec.boundaries_whole": "必须是 0 到 {max:,} 之间的整数步数",
    "spec.boundaries_rise": "必须递增：每个步数都要大于前一个",
    "spec.start_float32": "必须在 float32 的范围内（|{name}| <= {max:.4g}）",
    "spec.start2_missing": "w1 和 w2 的 loss 除了 w1 的起点，还需要 w2 的起点",
    "spec.start2_unused": "只含 w 的 loss 没有 w2：只需给出 w0",
    "spec.lr_negative": "必须大于或等于 0（这是梯度下降）",
    "spec.lr_float32": "必须在 float32 的范围内（lr <= {max:.4g}）",
    "spec.decay_and_schedule": "指数衰减和学习率调度不能同时使用",
    "spec.whole": "必须是整数，而不是 {value}",
    "spec.warmup_range": "必须在 0 到 {max:,} 步之间",
    "spec.beta_range": "必须大于或等于 0 且小于 1",
    "spec.empty": "为空；请输入一个数",
    "spec.not_number": "不是数字：{value}",
    "spec.not_finite": "必须是有限的数，而不是 {value}",
    "spec.steps_range": "必须是 0 到 {max:,} 之间的整数步数",
    "spec.list": "请输入用逗号分隔的列表，例如 100, 500",
    "spec.cells": "{runs} 次运行 x {epochs:,} 步，超过了 {cells:,} 个单元格的上限",
    # memory.py
    "spec.memory": (
        "{runs} 次运行 x {epochs:,} 步约需 {need} 内存（引擎 {engine}，界面 {ui}），"
        "而本机现在可用的只有 {available}：请减少步数或运行次数"
    ),
    "spec.hub_steps": "课堂服务器每次运行最多 {most:,} 步；这次要求 {steps:,} 步",
    "spec.hub_runs": "课堂服务器一次最多运行 {most:,} 次（学习率）；这次要求 {count:,} 次",
    "spec.hub_cells": "课堂服务器一次最多运行 {most:,} 步 x 次；这次要求 {runs:,} x {steps:,} = {cells:,}",
    # spec.py: OPTIMIZER_UPDATES (the others are code)
    "optimizer.gd": "课程代码里的 w -= lr * grads（默认；与课程的结果逐位相同）",
    # gradients.py, server.py: playback's written-out update
    "loss.update_one_parameter": "只为单个参数 w 的损失写出更新式",
    "spec.update_points": "一次最多 {most} 个 w 值，而不是 {count:,} 个",
    # sweep.py
    "sweep.low_high": "需要满足 0 < 下限 < 上限，而不是 {low:g} .. {high:g}",
    "sweep.rates_count": "必须在 2 到 {max} 之间，而不是 {count}",
    # schedules.py: FORMULAS, WARMUP_FORMULA and formula() (the math stays as it is)
    "schedule.exponential": "lr * decay^(s / T)；staircase 时指数取 floor(s / T)",
    "schedule.piecewise": "lr * f[i]，i 为满足 s > b 的分界点 b 的个数",
    "schedule.inverse-time": "lr / (1 + rate * s / T)；staircase 时取 floor(s / T)",
    "schedule.polynomial": "(lr - end) * (1 - min(s, T) / T)^power + end，其中 end = alpha * lr",
    "schedule.cosine-restarts": (
        "余弦降到 alpha * lr，周期 T、T * t_mul、...，每次重启峰值乘 m_mul"
    ),
    "schedule.warmup": "s < W 时为 lr * s / W，之后为所选调度在第 s - W 步的值",
    "schedule.with_warmup": (
        "s < {warmup} 时为 {lr} * s / {warmup}，之后为 {text}（把 s 换成 s - {warmup}）"
    ),
    "schedule.piecewise_formula": "{lr} * [{pieces}]，在第 [{bounds}] 步之后依次切换",
    "schedule.polynomial_formula": (
        "({lr} - end) * (1 - min(s, {steps}) / {steps})^{power} + end，其中 end = {alpha} * {lr}"
    ),
    "schedule.polynomial_formula_cycle": (
        "({lr} - end) * (1 - min(s, {steps}) / {steps})^{power} + end，其中 end = {alpha} * {lr}"
        "，循环"
    ),
    "schedule.restarts_formula": (
        "{lr} * 余弦，在 {steps} 步内降到 {alpha}，周期每次 x{t_mul}，峰值每次 x{m_mul}"
    ),
    # analysis.py: Outcome.label, str(Status) and Status.reason
    "outcome.converged": "已收敛",
    "outcome.descending": "仍在下降",
    "outcome.rising": "loss 在上升",
    "outcome.oscillating": "来回震荡",
    "outcome.stalled": "已停滞",
    "outcome.diverged": "已发散",
    "outcome.at_step": "第 {step} 步{outcome}",
    "outcome.at_start": "从一开始就{outcome}",
    "status.w_overflowed": "w 溢出为 {value}",
    "status.loss_overflowed": "loss 溢出为 {value}",
    "status.rose": "loss 升到了起始值以上",
    "status.loss_tol": "loss 不超过 {tol:g}",
    "status.loss_min_tol": "loss 与其最小值 {floor:g} 相差不超过 {tol:g}",
    "status.gradient_tol": "|梯度| 不超过 {tol:g}",
    "status.lr_zero": "w 不再移动：lr 为 0",
    "status.below_resolution": "w 不再移动：每一步都小于 float32 在 w 处的精度",
    "status.jumps": "w 在最小值两侧来回跳动",
    "status.falling": "loss 仍在下降",
    "status.param_overflowed": "{name} 溢出为 {value}",
    "status.lr_zero_two": "w1 和 w2 不再移动：lr 为 0",
    "status.below_resolution_two": "w1 和 w2 不再移动：每一步都小于 float32 在该处的精度",
    "status.param_jumps": "{name} 来回跳动",
    "status.loss_flat_two": "loss 不再变化：w1、w2 仍在移动，但在 float32 的精度内 loss 不变",
    "status.fell": "最近 {steps} 步里 loss 只降不升",
    "status.rising": "最近 {steps} 步里 loss 只升不降",
    "status.up_and_down": "最近 {steps} 步里 loss 时升时降",
    "status.loss_flat": "loss 不再变化：w 仍在移动，但在 float32 的精度内 loss 不变",
    # theory.py: why_no_theory, contradiction; w0 and curvature are numbers as text
    "why.none_constant": "loss 与 w 无关：梯度为 0，w 不会移动",
    "why.none_linear": "没有极小值：loss 是 w 的线性函数，没有下界，只要 w 在动就一直下降",
    "why.none_unbounded": "没有极小值：loss 是没有下界的多项式",
    "why.none_flat_at": "未知：w0 = {w0} 处的曲率为 0，局部模型是一条直线，没有极小值",
    "why.none_concave_at": (
        "未知：loss 在 w0 = {w0} 处向下弯曲（曲率为 {curvature}），局部模型没有极小值"
    ),
    "why.none_unknown": "未知：w0 处的曲率或斜率不是有限的数",
    "why.seen_diverged": "这次运行发散了",
    "why.seen_converged": "这次运行收敛了",
    "why.seen_turned": "这次运行中 w 在达到容差之前折返了",
    "why.seen_one_way": "这次运行中 w 始终只朝一个方向移动",
    "why.seen_not_by": "到第 {steps:,} 步这次运行仍未达到容差",
    # theory.py: Regime.label and Theory.why; q, curvature and w0 are numbers as text
    "regime.still": "不移动",
    "regime.monotone": "单调收敛",
    "regime.one_step": "一步收敛",
    "regime.oscillating": "震荡收敛",
    "regime.two_cycle": "2 周期循环",
    "regime.diverging": "震荡发散",
    "why.still": "lr 为 0：w 不会移动",
    "why.monotone": "每一步都把 w 到最小值的距离乘以 q = {q}：w 从一侧逼近最小值",
    "why.monotone_local": (
        "每一步大约把 w 到最小值的距离乘以 q = {q}（w = {w0} 处的曲率为 {curvature}）："
        "w 从一侧逼近最小值"
    ),
    "why.one_step": "lr 等于 1/L，所以 q = 0：第一步就正好落在最小值上",
    "why.one_step_local": (
        "lr 等于 1/L，所以 q = 0（w = {w0} 处的曲率为 {curvature}）：第一步就正好落在最小值上"
    ),
    "why.oscillating": (
        "每一步都把 w 到最小值的距离乘以 q = {q}：w 在最小值两侧来回跳动，一次比一次近"
    ),
    "why.oscillating_local": (
        "每一步大约把 w 到最小值的距离乘以 q = {q}（w = {w0} 处的曲率为 {curvature}）："
        "w 在最小值两侧来回跳动，一次比一次近"
    ),
    "why.two_cycle": "lr 等于 2/L，所以 q = -1：w 在两个点之间永远来回跳动",
    "why.two_cycle_local": (
        "lr 等于 2/L，所以 q = -1（w = {w0} 处的曲率为 {curvature}）：w 在两个点之间永远来回跳动"
    ),
    "why.diverging": (
        "每一步都把 w 到最小值的距离乘以 q = {q}：w 在最小值两侧来回跳动，一次比一次远"
    ),
    "why.diverging_local": (
        "每一步大约把 w 到最小值的距离乘以 q = {q}（w = {w0} 处的曲率为 {curvature}）："
        "w 在最小值两侧来回跳动，一次比一次远"
    ),
    # theory_plane.py and plane_quadratic.py: the theory of a loss of w1 and w2
    "plane.landscape.bowl": "碗形",
    "plane.landscape.valley": "山谷",
    "plane.landscape.slope": "倾斜的山谷",
    "plane.landscape.saddle": "鞍形",
    "plane.landscape.ridge": "山脊",
    "plane.landscape.cap": "穹顶",
    "plane.landscape.plane": "斜面",
    "plane.landscape.flat": "平面",
    "plane.kind.bowl": (
        "碗形：黑塞矩阵的两个特征值都大于 0，唯一的极小值在 w1 = {w1}，w2 = {w2} 处，"
        "那里的 loss 为 {loss}"
    ),
    "plane.kind.valley": "山谷：λ1 = 0，极小值排成一条直线，那里的 loss 为 {loss}",
    "plane.kind.slope": "没有极小值：λ1 = 0，而谷底一直向下倾斜",
    "plane.kind.saddle": "鞍形：λ1 < 0 < λ2，loss 沿 λ1 的方向一直下降，没有极小值",
    "plane.kind.ridge": "没有极小值：λ1 < 0 且 λ2 = 0",
    "plane.kind.cap": "没有极小值：黑塞矩阵的两个特征值都小于 0（这是极大值）",
    "plane.kind.plane": "没有极小值：黑塞矩阵为 0，loss 是 w1 和 w2 的线性函数",
    "plane.kind.flat": "loss 与 w1、w2 无关：梯度为 0，它们不会移动",
    "plane.model.bowl": (
        "它在起点处的二次模型是碗形：两个特征值都大于 0，模型的极小值在 w1 = {w1}，"
        "w2 = {w2} 处，模型在那里的 loss 为 {loss}"
    ),
    "plane.model.valley": (
        "它在起点处的二次模型是山谷：λ1 = 0，模型的极小值排成一条直线，模型在那里的 loss 为 {loss}"
    ),
    "plane.model.slope": "它在起点处的二次模型没有极小值：λ1 = 0，而谷底一直向下倾斜",
    "plane.model.saddle": "它在起点处的二次模型是鞍形：λ1 < 0 < λ2，模型没有极小值",
    "plane.model.ridge": "它在起点处的二次模型没有极小值：λ1 < 0 且 λ2 = 0",
    "plane.model.cap": "它在起点处的二次模型没有极小值：两个特征值都小于 0",
    "plane.model.plane": "它在起点处的二次模型没有极小值：那里的黑塞矩阵为 0",
    "plane.model.flat": "起点处的梯度和黑塞矩阵都为 0",
    "plane.local": (
        "不是二次函数：这些数字是局部的，属于 loss 在起点 ({w1}, {w2}) 处的二次模型"
        "（由那里自动求导算出的黑塞矩阵），只在起点附近成立"
    ),
    "plane.eigen": "黑塞矩阵的特征值：沿 {v1} 方向 λ1 = {l1}，沿 {v2} 方向 λ2 = {l2}",
    "plane.condition": (
        "κ = λ2/λ1 = {kappa}：普通梯度下降最好的固定学习率 2/(λ1 + λ2) = {best}，"
        "每一步把到极小值的距离乘以 (κ - 1)/(κ + 1) = {rate}"
    ),
    "plane.critical": (
        "普通梯度下降的临界学习率是 2/λ2 = {critical}：等于或大于它时，沿 λ2 的方向不再收敛"
    ),
    "plane.still": "lr 为 0：w1 和 w2 不会移动",
    "plane.factors": (
        "lr = {lr} 时，每一步把沿 λ1 方向的梯度乘以 1 - lr*λ1 = {q1}，"
        "把沿 λ2 方向的梯度乘以 1 - lr*λ2 = {q2}"
    ),
    "plane.away": (
        "沿 {name} 的方向 loss 向下弯曲：每一步把那个方向的梯度乘以 {q}，大于 1，"
        "所以朝那个方向的任何偏离都越来越快地变大"
    ),
    "plane.flat_along": "沿 {name} 的方向梯度为 0：w 不会朝那个方向移动",
    "plane.slides_along": "沿 {name} 的方向梯度保持不变：w 以不变的速度朝那个方向一直滑下去",
    "plane.diverges_along": (
        "|1 - lr*{name}| = {q} 大于 1：沿 {name} 的方向梯度下降发散，每一步都跳得更远"
    ),
    "plane.cycle_along": "1 - lr*{name} = -1：沿 {name} 的方向 w 在两个点之间永远来回跳动",
    "plane.zigzag_along": (
        "1 - lr*{name} = {q} 小于 0：沿 {name} 的方向 w 左右来回跳动，一次比一次近（之字形）"
    ),
    "plane.converges": "梯度下降收敛：每一步到极小值的距离至多乘以 {rate}",
    "plane.converges_valley": "梯度下降收敛：每一步到极小值所在直线的距离乘以 {rate}",
    "plane.momentum_converges": "动量法收敛：长期来看，每一步到极小值的距离大约乘以 {rate}",
    "plane.momentum_converges_valley": (
        "动量法收敛：长期来看，每一步到极小值所在直线的距离大约乘以 {rate}"
    ),
    "plane.momentum_run": (
        "动量 β = {beta}，lr = {lr}：沿 λ1 方向的收敛率是每一步 {r1}，沿 λ2 方向是 {r2}"
    ),
    "plane.momentum_diverges": "收敛率大于 1：动量法沿 {name} 的方向发散",
    "plane.momentum_best": (
        "动量法最好的一组参数是 lr = 4/(√λ1 + √λ2)^2 = {lr} 和 β = ((√κ - 1)/(√κ + 1))^2"
        " = {beta}，它的收敛率是每一步 (√κ - 1)/(√κ + 1) = {rate}"
    ),
    "plane.not_modelled_optimizer": (
        "这里的理论只描述普通梯度下降和动量法，不描述 {optimizer}：它对这次运行没有任何预测"
    ),
    "plane.not_modelled_rate": (
        "学习率每一步都在变（学习率调度或预热）：这里的理论描述的是固定的 lr = {lr}，"
        "对这次运行没有任何预测"
    ),
    "plane.predicted": "预测：{steps:,} 步后 loss 与最低值相差不超过 {tol:g}",
    "plane.predicted_never": "预测：loss 与最低值的差永远不会降到 {tol:g} 以内",
    "plane.predicted_not_in": "预测：{steps:,} 步内 loss 与最低值的差不会降到 {tol:g} 以内",
    "plane.predicted_local": "按起点处的模型估计：{steps:,} 步后 loss 与模型的最低值相差不超过 {tol:g}",
    "plane.predicted_local_never": "按起点处的模型估计：loss 与模型最低值的差永远不会降到 {tol:g} 以内",
    "plane.predicted_local_not_in": (
        "按起点处的模型估计：{steps:,} 步内 loss 与模型最低值的差不会降到 {tol:g} 以内"
    ),
    # losses.py: FUNCTIONS, the functions a loss may call
    "fn.sin": "正弦（弧度）",
    "fn.cos": "余弦（弧度）",
    "fn.tan": "正切（弧度）",
    "fn.atan": "反正切，取值在 (-pi/2, pi/2) 内",
    "fn.sinh": "双曲正弦",
    "fn.cosh": "双曲余弦",
    "fn.tanh": "双曲正切，取值在 (-1, 1) 内",
    "fn.exp": "指数函数，e**x",
    "fn.log": "自然对数，要求 x > 0",
    "fn.log1p": "log(1 + x)，x 很小时也精确，要求 x > -1",
    "fn.sqrt": "平方根，要求 x >= 0",
    "fn.abs": "绝对值",
    "fn.sigmoid": "S 型函数 1/(1 + exp(-x))，取值在 (0, 1) 内",
    "fn.softplus": "log(1 + exp(x))，平滑版的 max(x, 0)",
    "fn.min": "min(a, b)：两个值中较小的一个",
    "fn.max": "max(a, b)：两个值中较大的一个",
    # losses.py: a refused loss is "loss: column {column}: {reason}" (or without the column)
    "loss.error": "loss：{reason}",
    "loss.error_at": "loss：第 {column} 列：{reason}",
    "loss.not_text": "需要文本，而不是 {type}",
    "loss.too_deep": "嵌套太深（超过 {depth} 层）",
    "loss.bug": "无法读取（{error}）",
    "loss.unreadable": "无法读取：{error}",
    "loss.empty": "表达式是空的（试试 {seed}）",
    "loss.too_long": "表达式长 {length:,} 个字符；最多允许 {max} 个",
    "loss.too_long_normalized": "表达式规范化后长 {length:,} 个字符；最多允许 {max} 个",
    "loss.line_break": "不能换行；请把 loss 写在一行里",
    "loss.character": "不允许使用字符 U+{code}",
    "loss.constant": "loss 必须依赖于 w，但 {expression} 是常数 {value}",
    "loss.constant_two": "loss 必须依赖于 w1 或 w2，但 {expression} 是常数 {value}",
    "loss.mixed_parameters": "'{name}' 不能与 '{other}' 同时使用：loss 只有一个参数 w，或两个参数 w1 和 w2",
    "loss.syntax": "语法错误：{message}",
    "loss.incomplete": "表达式不完整",
    # Python's own syntax errors (Python 3.11's words); others are shown as Python says them
    "loss.python.invalid_syntax": "无效的语法",
    "loss.python.forgot_comma": "无效的语法。是不是漏了逗号？",
    "loss.python.decimal": "无效的十进制数（乘积请写成 2*w）",
    "loss.python.never_closed": "'{bracket}' 没有闭合",
    "loss.python.unmatched": "多余的 '{bracket}'（前面没有与之配对的括号）",
    "loss.python.mismatch": "右括号 '{closing}' 与左括号 '{opening}' 不匹配",
    "loss.python.leading_zeros": "十进制整数不能以 0 开头；八进制整数请用 0o 前缀",
    "loss.python.unterminated": "字符串没有结束（在第 {line} 行发现）",
    "loss.python.non_printable": "无效的不可打印字符 U+{code}",
    "loss.python.character": "无效的字符 '{char}'（U+{code}）",
    "loss.python.hexadecimal": "无效的十六进制数",
    "loss.python.octal": "无效的八进制数",
    "loss.python.binary": "无效的二进制数",
    "loss.python.octal_digit": "八进制数里有无效的数字 '{digit}'",
    "loss.python.binary_digit": "二进制数里有无效的数字 '{digit}'",
    "loss.python.continuation": "续行符后面出现了意外的字符",
    "loss.uncalled": "函数 '{name}' 必须带参数调用，例如 {name}(w)",
    "loss.name": "不允许使用名称 '{name}'（请使用 w，或 w1 和 w2，以及 pi、e 和函数 {functions}）",
    "loss.name_hint": (
        "不允许使用名称 '{name}'（请使用 w，或 w1 和 w2，以及 pi、e 和函数 {functions}）；{hint}"
    ),
    "loss.hint.parameter": "参数叫 w",
    "loss.hint.parameters": "参数只能是 w，或者 w1 和 w2",
    "loss.hint.lower_w": "参数叫 w（小写）",
    "loss.hint.ln": "自然对数请用 log",
    "loss.hint.pow": "请写成 a**b 或 a^b",
    "loss.hint.square": "请写成 (...)**2",
    "loss.hint.arctan": "请用 atan",
    "loss.hint.exp": "请用 exp",
    "loss.hint.pi": "请用 pi",
    "loss.hint.e": "请用 e",
    "loss.unary_operator": "不允许使用运算符 '{symbol}'",
    "loss.binary_operator": "不允许使用运算符 '{symbol}'（请用 + - * / 和 ** 或 ^）",
    "loss.attribute": "不允许访问属性（'.{attr}'）",
    "loss.subscript": "不允许使用下标（'[...]'）",
    "loss.compare": "不允许使用比较",
    "loss.boolean": "不允许使用 'and' 和 'or'",
    "loss.lambda": "不允许使用 lambda",
    "loss.comprehension": "不允许使用推导式",
    "loss.walrus": "不允许用 ':=' 赋值",
    "loss.starred": "不允许使用带星号的表达式",
    "loss.conditional": "不允许使用条件表达式（if/else）",
    "loss.tuple": "函数调用之外不能有逗号（那会构成元组）",
    "loss.list": "不允许使用列表",
    "loss.set": "不允许使用集合",
    "loss.dict": "不允许使用字典",
    "loss.string": "不允许使用字符串",
    "loss.await": "不允许使用 'await'",
    "loss.yield": "不允许使用 'yield'",
    "loss.slice": "不允许使用切片",
    "loss.node": "不允许使用 '{kind}' 表达式",
    "loss.constant_value": "不允许使用 '{value}'",
    "loss.complex": "不允许使用复数",
    "loss.too_large": "这个数太大，超出了 float 的范围",
    "loss.constant_kind": "不允许使用常量 {value}",
    "loss.not_function": "'{callee}' 不是函数（乘积请写成 {callee}*(...)）",
    "loss.keyword": "{name}(...) 中不允许使用关键字参数",
    "loss.starred_argument": "{name}(...) 中不允许使用带星号的参数",
    "loss.arity_one": "{name}() 需要 {wanted} 个参数，而不是 {given} 个",
    "loss.arity_many": "{name}() 需要 {wanted} 个参数，而不是 {given} 个",
    "loss.float32": "{text} 超出了 float32 的范围（最大约 3.4e38）",
    "loss.divides_by_zero": "{culprit} 除以了零",
    "loss.overflows": "{culprit} 溢出了（超出了 float 的范围）",
    "loss.undefined": "{culprit} 没有定义（{why}）",
    "loss.zero_negative_power": "0 的负数次幂",
    "loss.negative_fractional_power": "负数的分数次幂",
    "loss.domain": "超出了 {name} 的定义域",
    "loss.domain.log": "log 的参数必须大于 0",
    "loss.domain.log1p": "log1p 的参数必须大于 -1",
    "loss.domain.sqrt": "sqrt 的参数必须大于或等于 0",
}
